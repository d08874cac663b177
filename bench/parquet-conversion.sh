#!/usr/bin/env bash
# bench/parquet-conversion.sh: speed and peak memory of the parquet conversion of datasets (issue 15).
#
# What it measures: DuckDbParquet (what ParquetConversionService runs for each split) converting one generated JSON
# Lines file of MIB MiB to zstd parquet shards, in a JVM of its own (-Xmx256m) under /usr/bin/time, for its wall time
# and peak resident memory (JVM and DuckDB together; DuckDB's memory_limit is 256 MB, one thread). The reference,
# measured in the same run on the same file: `gzip -1` (one thread streaming the same bytes). Run it with two sizes to
# see whether memory grows with the input.
#
# Usage: bench/parquet-conversion.sh [MIB=1024]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-parquet-bench
. "$root/bench/lib.sh"
. "$root/bin/java-home.sh"
mib="${1:-1024}"
build="${FORGE_BUILD_DIR:-$root/target}"
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
bench_init
log "building (test classes) into $build"
(cd "$root" && ./mvnw -B -q -o -Dforge.buildDir="$build" -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >&2)
cp="$build/test-classes:$build/classes:$(cat "$work/cp.txt")"
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m -cp "$cp" dev.forge.service.convert.ParquetConversionBench "$work" "$mib")
log "generating $mib MiB of JSON Lines and converting it once (warm-up)"
"${java[@]}" >/dev/null
rm -rf "$work/out" "$work/spill"
log "converting"
/usr/bin/time -v -o "$work/time.txt" "${java[@]}" > "$work/result.txt"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
log "reference: gzip -1 of the same file"
start=$(date +%s.%N); gzip -1 -c "$work/input.jsonl" > /dev/null; end=$(date +%s.%N)
gzip_mibs=$(echo "$mib / ($end - $start)" | bc -l)
conv_mibs=$(sed -E 's/.*mib_per_s=([0-9.]+).*/\1/' "$work/result.txt")
printf '%s peak_rss_mib=%d gzip1_mib_per_s=%.1f ratio_to_gzip1=%.2f\n' "$(cat "$work/result.txt")" $((rss_kb / 1024)) "$gzip_mibs" \
    "$(echo "$conv_mibs / $gzip_mibs" | bc -l)"

#!/usr/bin/env bash
# bench/dedup-corpus.sh: how much the chunk store saves on a realistic model family, next to Xet's published savings.
#
# What it does, in one run: starts Forge on the chunk store (FORGE_STORAGE=chunks) over a fresh temp data folder,
#   then dev.forge.bench.CorpusBench (test classes) makes the deterministic corpus of dev.forge.bench.ModelCorpus
#   from SEED with a base model of BASE_MIB MiB, and uploads it case by case through the real API: for each file an
#   LFS batch request and one basic PUT streamed from the generator (never written to disk), then one NDJSON commit
#   per case into its own repository admin/<case>. After each case it sums the pack files under
#   DATA/chunks/packs (the bytes the store keeps) and reports the growth against the case's logical bytes.
#   Cases: base safetensors model; a copy (another repository: dedup is store-wide, so another namespace is the
#   same); the same tensors re-sharded into 3 files; a header-only metadata edit; a partial fine-tune (last 4 of 16
#   layers changed); a GGUF family (F16, Q8_0, Q4_0) sharing metadata and F32 norms. Tensor bytes are random.
#   Goals (issue 5): copies and header edits < 1 % extra, re-sharding < 2 %, the partial fine-tune < 30 %, the whole
#   corpus < 45 % of its logical size.
#
# Run (from anywhere):
#     bench/dedup-corpus.sh
#     BASE_MIB=128 bench/dedup-corpus.sh       # a quick trial
# Knobs (environment): BASE_MIB (1024), SEED (1), FORGE_BUILD_DIR (build output folder for ./forge and the test
#   classes; default ./target), TMPDIR (where the data folder goes; it needs about 3.2 x BASE_MIB free).
# Needs: JDK 25, curl, ss, awk.
set -euo pipefail

BASE_MIB="${BASE_MIB:-1024}"
SEED="${SEED:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FORGE_BUILD_DIR:-$root/target}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
export FORGE_BUILD_DIR="$build"

work_name=forge-dedup-corpus-bench
. "$root/bench/lib.sh"
[[ "$BASE_MIB" =~ ^[1-9][0-9]*$ ]] || die "BASE_MIB must be a positive integer"
bench_init

. "$root/bin/java-home.sh" # JDK 25 for the build as well as for the run
log "compiling the test classes (the corpus generator and client) into $build"
(cd "$root" && ./mvnw -B -q -Dforge.buildDir="$build" test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >&2) || die "test-compile failed"

export FORGE_STORAGE=chunks
start_forge
log "uploading the corpus (base ${BASE_MIB} MiB, seed ${SEED})"
start_s=$(date +%s)
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$build/test-classes:$build/classes:$(cat "$work/cp.txt")" dev.forge.bench.CorpusBench \
  "$forge_base" "$token" "$work/data" $((BASE_MIB * 1048576)) "$SEED" >"$work/table.md" \
  || die "the corpus upload failed"
elapsed=$(( $(date +%s) - start_s ))
forge_rev="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')"

cat <<MD
Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); Forge ${forge_rev}, chunk store (Xet chunking, 64 MiB packs, uncompressed); corpus seed ${SEED}, base model ${BASE_MIB} MiB; ${elapsed} s in all (generation twice per file, SHA-256 on the client, upload, ingest; client and server share the CPUs).

$(cat "$work/table.md")

For comparison, Xet's published savings: bartowski/gemma-2-9b-it-GGUF, 29 quantizations: 191 GB → ~97 GB stored (51 %); fine-tunes and checkpoints: 55–85 % deduplicated (HF's estimate); gpt2 model.safetensors, 2 versions: −53 %.
MD

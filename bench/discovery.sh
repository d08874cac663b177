#!/usr/bin/env bash
# bench/discovery.sh: listing and search latency of the search index with 100,000 generated repositories (issue 6).
#
# What it measures, in one JVM on this machine (dev.forge.bench.DiscoveryBench, in the test sources):
#   - index build: N generated repositories (realistic ids across 2000 namespaces, card tags, licenses, languages,
#     libraries, pipelines, base models, parameter counts, Zipf-distributed downloads and likes; a tenth private)
#     written into a fresh Lucene index and committed; wall time, size on disk, and heap held after a GC;
#   - per query type, ROUNDS timed runs after a warm-up: the Lucene query and sort, then decoding every hit's stored
#     summary into Hub fields and rendering the page as JSON — what SearchService.list and the HTTP handler do for
#     GET /api/models (the HTTP framing itself is measured by bench/download.sh: ~0.1 ms per request on loopback);
#   - walking the whole listing 1000 at a time by cursor.
# The reference it is held to is the issue's goal: p99 under 20 ms on 2 cores.
#
# Usage: bench/discovery.sh [REPOSITORIES=100000] [ROUNDS=2000]    (JAVA_OPTS defaults to -Xmx2g -XX:+UseG1GC)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-discovery-bench
. "$root/bench/lib.sh"
. "$root/bin/java-home.sh"
n="${1:-100000}"
rounds="${2:-2000}"
build="${FORGE_BUILD_DIR:-$root/target}"
bench_init
log "building (test classes) into $build"
(cd "$root" && ./mvnw -B -q -o -Dforge.buildDir="$build" -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >&2)
log "running DiscoveryBench with $n repositories, $rounds rounds per query"
"$JAVA_HOME/bin/java" ${JAVA_OPTS:--Xmx2g -XX:+UseG1GC} -cp "$build/test-classes:$build/classes:$(cat "$work/cp.txt")" \
    dev.forge.bench.DiscoveryBench "$n" "$rounds" "$work"

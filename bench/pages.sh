#!/usr/bin/env bash
# bench/pages.sh: latency and throughput of the web pages at 64 connections, with 100,000 generated repositories in the
# search index (issue 13), next to the JSON API answering the same listings.
#
# What it measures: a real Forge (dev.forge.bench.PageBench, from the test sources; rate limits and the access log off)
# whose index holds REPOSITORIES documents from the generator of bench/discovery.sh, plus the real demo repositories. For
# each URL, after WARMUP seconds of unmeasured load: `wrk -t2 -c64 -dDURATION --latency` → p50, p99, requests/s, and the
# server's CPU time per request (from /proc). The pages: home (4 listings), search (a word, sorted by downloads; and
# filters: license + task), the repository page of demo/tiny-gpt (card, metadata, lineage over the whole index, snippets,
# storage), and a file page (highlighted config.json). The references: the JSON API for the same searches
# (/api/models?search=…&limit=30, the page's size) — what a client of the API pays for the same index work.
# Every URL is checked to answer 200 before it is measured; the script fails otherwise.
#
# Usage: bench/pages.sh            knobs: REPOSITORIES (100000), DURATION (10), WARMUP (5), CONNECTIONS (64)
# Needs: JDK 25, wrk, curl, awk. Client and server share the machine's CPUs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-pages-bench
. "$root/bench/lib.sh"
. "$root/bin/java-home.sh"
n="${REPOSITORIES:-100000}"
duration="${DURATION:-10}"
warmup="${WARMUP:-5}"
connections="${CONNECTIONS:-64}"
build="${FORGE_BUILD_DIR:-$root/target}"
for tool in wrk curl awk; do command -v "$tool" >/dev/null || die "needs $tool"; done
bench_init

log "building (test classes) into $build"
(cd "$root" && ./mvnw -B -q -o -Dforge.buildDir="$build" -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >&2)

log "starting PageBench with $n generated repositories"
mkfifo "$work/stdin"
FORGE_ACCESS_LOG=WARN "$JAVA_HOME/bin/java" ${JAVA_OPTS:--Xmx2g -XX:+UseG1GC} --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
  -cp "$build/test-classes:$build/classes:$(cat "$work/cp.txt")" dev.forge.bench.PageBench "$n" "$work/data" \
  <"$work/stdin" >"$work/forge.out" 2>"$work/forge.log" &
forge_pid=$!
exec 3>"$work/stdin"   # holds the server's input open; closing it (at exit) stops the server
for _ in $(seq 1 1800); do
  grep -q 'PAGEBENCH READY' "$work/forge.out" 2>/dev/null && break
  kill -0 "$forge_pid" 2>/dev/null || die "PageBench exited during start-up"
  sleep 0.2
done
port="$(sed -n 's/^PAGEBENCH READY \([0-9]*\)$/\1/p' "$work/forge.out")"
[ -n "$port" ] || die "PageBench did not start"
base="http://127.0.0.1:$port"
log "serving on $base ($(grep 'indexed' "$work/forge.log" || true))"

to_ms() { # wrk duration (123.45us, 1.20ms, 2.00s) -> milliseconds
  awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u != "ms") n = -1; printf "%.2f", n }'
}
clk_tck="$(getconf CLK_TCK)"

measure() { # LABEL PATH -> one markdown row
  local label="$1" path="$2" code bytes t0 t1 out
  code="$(curl -s -o "$work/page" -w '%{http_code}' -H 'Accept: text/html' "$base$path")"
  [ "$code" = 200 ] || die "$path answered $code"
  bytes="$(stat -c %s "$work/page")"
  wrk -t2 -c"$connections" -d"${warmup}s" "$base$path" >/dev/null 2>&1 || true
  t0="$(cpu_ticks "$forge_pid")"
  out="$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$base$path")"
  t1="$(cpu_ticks "$forge_pid")"
  echo "$out" >>"$work/wrk.log"
  local p50 p99 rps reqs non2xx
  p50="$(echo "$out" | awk '$1 == "50%" {print $2}')"
  p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
  rps="$(echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')"
  reqs="$(echo "$out" | awk '/requests in/ {print $1}')"
  non2xx="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
  [ -z "$non2xx" ] || die "$path: $non2xx answers were not 2xx under load"
  local cpu_us
  cpu_us="$(awk -v a="$t0" -v b="$t1" -v hz="$clk_tck" -v r="$reqs" 'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / r }')"
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$label" "$path" "$bytes" "$(to_ms "$p50")" "$(to_ms "$p99")" "$rps" "$cpu_us"
}

log "measuring: ${connections} connections, ${duration}s each after ${warmup}s of warm-up"
{
  echo "| What | URL | bytes | p50 ms | p99 ms | req/s | server CPU µs/req |"
  echo "|---|---|---|---|---|---|---|"
  measure "home page (4 listings)" "/"
  measure "search page: a word, by downloads" "/models?search=llama&sort=downloads"
  measure "JSON API: the same search (30)" "/api/models?search=llama&sort=downloads&limit=30"
  measure "search page: license + task" "/models?license=apache-2.0&task=text-generation&sort=downloads"
  measure "JSON API: the same filters (30)" "/api/models?filter=license:apache-2.0&pipeline_tag=text-generation&sort=downloads&limit=30"
  measure "repository page" "/demo/tiny-gpt"
  measure "JSON API: repository info" "/api/models/demo/tiny-gpt"
  measure "file page (highlighted JSON)" "/demo/tiny-gpt/blob/main/config.json"
  measure "tree page at a tag" "/demo/tiny-gpt/tree/v1.0"
} | tee "$work/table.md"
printf '\nRepositories in the index: %s; Java %s; %s processors; load average at the end: %s\n' "$n" \
  "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
exec 3>&-

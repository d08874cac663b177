#!/usr/bin/env bash
# bench/footprint.sh: Forge's resident memory under each of a few GC settings, idle and after a burst of load.
#
# For each setting (FORGE_GC_OPTS as ./forge takes it): start Forge with --demo over a fresh temp data dir, wait
# IDLE_SECONDS, read VmRSS; then LOAD_SECONDS of wrk -t2 -c64 on config.json and the repository info of demo/tiny-gpt
# (half each, one after the other) and 100 1 MiB-range-sized downloads of the demo's safetensors; read VmRSS right
# after and AFTER_SECONDS later; report requests/s of the config.json run too (the price of a setting).
# Run: bench/footprint.sh   Knobs: IDLE_SECONDS (10), LOAD_SECONDS (20), AFTER_SECONDS (20),
#   SETTINGS (a |-separated list of FORGE_GC_OPTS values; default: ./forge's default, plain G1, Serial, ZGC).
set -euo pipefail
IDLE_SECONDS="${IDLE_SECONDS:-10}"
LOAD_SECONDS="${LOAD_SECONDS:-20}"
AFTER_SECONDS="${AFTER_SECONDS:-20}"
SETTINGS="${SETTINGS:-default|-XX:+UseG1GC|-XX:+UseSerialGC|-XX:+UseZGC -XX:ZUncommitDelay=10}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-footprint
. "$root/bench/lib.sh"
command -v wrk >/dev/null || die "missing tool: wrk"
bench_init
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

"$root/forge" --version >/dev/null || die "the build failed"
echo "| FORGE_GC_OPTS | RSS idle (demo data) MiB | RSS at the end of the load MiB | RSS ${AFTER_SECONDS} s later MiB | config.json req/s (wrk -c64) |"
echo "|---|---|---|---|---|"
IFS='|' read -r -a settings <<<"$SETTINGS"
for gc in "${settings[@]}"; do
  rm -rf "$work/data"; mkdir -p "$work/data"
  port="$(free_port)"
  if [ "$gc" = default ]; then unset FORGE_GC_OPTS; else export FORGE_GC_OPTS="$gc"; fi
  FORGE_ACCESS_LOG=WARN FORGE_API_REQUESTS_PER_MINUTE=0 FORGE_RESOLVE_REQUESTS_PER_MINUTE=0 \
    "$root/forge" serve --demo --port "$port" --data "$work/data" >"$work/forge.log" 2>&1 &
  forge_pid=$!
  for _ in $(seq 1 1500); do
    grep -q 'Forge is serving' "$work/forge.log" 2>/dev/null && break
    kill -0 "$forge_pid" 2>/dev/null || die "Forge exited with FORGE_GC_OPTS=$gc: $(tail -5 "$work/forge.log")"
    sleep 0.2
  done
  base="http://127.0.0.1:$port"
  sleep "$IDLE_SECONDS"
  idle="$(rss_mib "$forge_pid")"
  rps="$(wrk -t2 -c64 -d$((LOAD_SECONDS / 2))s "$base/demo/tiny-gpt/resolve/main/config.json" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')"
  wrk -t2 -c64 -d$((LOAD_SECONDS / 2))s "$base/api/models/demo/tiny-gpt" >/dev/null
  for _ in $(seq 1 100); do curl -s -o /dev/null "$base/demo/tiny-gpt/resolve/main/model.safetensors"; done
  end="$(rss_mib "$forge_pid")"
  sleep "$AFTER_SECONDS"
  after="$(rss_mib "$forge_pid")"
  echo "| \`$gc\` | $idle | $end | $after | $rps |"
  stop_pid "$forge_pid" forge
  forge_pid=""
done
echo
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) vCPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), Forge $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"

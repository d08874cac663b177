#!/usr/bin/env bash
# bench/soak.sh: SOAK_MINUTES (default 30) of mixed load on one Forge, with a table of figures for every minute.
#
# Forge is started as bench/download.sh starts it (./forge, rate limits off, access log at WARN, a temp data dir, the
# default storage), admin/bench gets config.json and an 8 MiB LFS model.bin (git + git-lfs), then bench/soak_load.py
# (run with the huggingface_hub venv, $FORGE_PY_ROOT/hub2, default /work/py/hub2) drives, all at once:
#   READERS keep-alive clients looping over what a download asks (HEAD of the LFS file, GET config.json, the
#   repository info, revision, tree, paths-info, a random 1 MiB range; every 20th round the whole LFS file and a
#   listing); one client doing HEAD and GET of config.json on a new connection each; one uploader (huggingface_hub's
#   upload_file of a 2 MiB LFS file, cycling through 8 payloads, so after the first rounds the store holds them all and
#   only git's small objects are new; and create_commit of a small file, every ~2 s).
# Every minute a row: requests, errors (a status other than the expected one, or no answer), p50 and p99 of the
# latency (all kinds together; the uploads and commits listed apart), Forge's RSS, threads, open files, and the data
# folder's size (du). At the end: totals, and the first-to-last change of RSS, threads, open files and disk after
# warm-up (minute 3 on).
#
# Run: bench/soak.sh (SOAK_MINUTES=30 READERS=4). The table goes to stdout and, as it grows, to $SOAK_TABLE (default
# /tmp/soak-table.md), so a long run can be watched. Needs: curl, git, git-lfs, jq, awk, du, the Python venv.
set -euo pipefail

SOAK_MINUTES="${SOAK_MINUTES:-30}"
READERS="${READERS:-4}"
SOAK_TABLE="${SOAK_TABLE:-/tmp/soak-table.md}"
PY="${FORGE_PY_ROOT:-/work/py}/hub2/bin/python"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-soak
. "$root/bench/lib.sh"
for tool in curl git git-lfs jq awk du; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
[ -x "$PY" ] || die "no Python with huggingface_hub at $PY (set FORGE_PY_ROOT)"
[[ "$SOAK_MINUTES" =~ ^[1-9][0-9]*$ ]] || die "SOAK_MINUTES must be a positive integer"
bench_init
load_pid=""
trap 'stop_pid "$load_pid" load; bench_cleanup' EXIT

start_forge

log "pushing config.json and an 8 MiB LFS model.bin"
git_() { HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git "$@"; }
mkdir -p "$work/home"
git_ config --global user.name "Forge Soak"; git_ config --global user.email soak@example.com
git_ config --global init.defaultBranch main; git_ config --global lfs.locksverify false
git_ lfs install --skip-repo >/dev/null
git_ clone -q "http://admin:$token@127.0.0.1:$forge_port/admin/bench" "$work/clone" 2>"$work/git.log" || die "clone: $(cat "$work/git.log")"
printf '{"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "vocab_size": 32000}\n' >"$work/clone/config.json"
head -c $((8 << 20)) /dev/urandom >"$work/clone/model.bin"
git_ -C "$work/clone" add config.json model.bin
git_ -C "$work/clone" commit -q -m "config and weights"
git_ -C "$work/clone" push -q origin main >>"$work/git.log" 2>&1 || die "push: $(cat "$work/git.log")"
rm -rf "$work/clone"

percentile() { # P, numbers on stdin -> nearest-rank percentile
  sort -g | awk -v p="$1" '{v[NR] = $1} END { if (NR == 0) exit 1; i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
disk_mib() { du -sm "$work/data" 2>/dev/null | awk '{print $1}'; }

: >"$work/requests.log"
log "load for $SOAK_MINUTES minutes: $READERS keep-alive readers, 1 fresh-connection client, 1 uploader"
"$PY" "$root/bench/soak_load.py" "$forge_base" "$token" admin/bench $((SOAK_MINUTES * 60)) "$work/requests.log" "$READERS" \
  2>"$work/load.err" &
load_pid=$!

header='| minute | requests | errors | p50 ms | p99 ms | uploads+commits (errors) | upload p99 s | RSS MiB | threads | open files | disk MiB |'
rule='|---|---|---|---|---|---|---|---|---|---|---|'
{ echo "$header"; echo "$rule"; } | tee "$SOAK_TABLE"
start=$(date +%s)
: >"$work/rows"
for m in $(seq 1 "$SOAK_MINUTES"); do
  until [ $(( $(date +%s) - start )) -ge $((m * 60)) ]; do
    kill -0 "$forge_pid" 2>/dev/null || die "Forge exited during the soak"
    sleep 1
  done
  lo=$((start + (m - 1) * 60)); hi=$((start + m * 60))
  awk -v lo="$lo" -v hi="$hi" '$1 >= lo && $1 < hi' "$work/requests.log" >"$work/minute"
  n="$(awk '$2 != "upload" && $2 != "commit"' "$work/minute" | wc -l)"
  e="$(awk '$2 != "upload" && $2 != "commit" && $5 != 1' "$work/minute" | wc -l)"
  w="$(awk '$2 == "upload" || $2 == "commit"' "$work/minute" | wc -l)"
  we="$(awk '($2 == "upload" || $2 == "commit") && $5 != 1' "$work/minute" | wc -l)"
  p50="$(awk '$2 != "upload" && $2 != "commit" {printf "%.1f\n", $4}' "$work/minute" | percentile 50 || echo -)"
  p99="$(awk '$2 != "upload" && $2 != "commit" {printf "%.1f\n", $4}' "$work/minute" | percentile 99 || echo -)"
  up99="$(awk '$2 == "upload" || $2 == "commit" {printf "%.1f\n", $4 / 1000}' "$work/minute" | percentile 99 || echo -)"
  rss="$(rss_mib "$forge_pid")"; th="$(threads_of "$forge_pid")"; fd="$(fds_of "$forge_pid")"; dk="$(disk_mib)"
  echo "$m $n $e $p50 $p99 $w $we $up99 $rss $th $fd $dk" >>"$work/rows"
  printf '| %d | %d | %d | %s | %s | %d (%d) | %s | %s | %s | %s | %s |\n' "$m" "$n" "$e" "$p50" "$p99" "$w" "$we" "$up99" "$rss" "$th" "$fd" "$dk" \
    | tee -a "$SOAK_TABLE"
done
wait "$load_pid" || warn "the load generator exited with $?"
load_pid=""
# huggingface_hub's notice that an upload from memory goes the LFS way rather than Xet's (the uploader sends bytes on
# purpose) is not a complaint; everything else the load generator wrote to stderr is shown
grep -v 'binary IO buffer is not supported by Xet Storage' "$work/load.err" >"$work/complaints" || true
if [ -s "$work/complaints" ]; then
  log "the load generator's complaints (failed requests and uploads), first 20:"
  head -n 20 "$work/complaints" >&2
  cp "$work/complaints" "${SOAK_TABLE%.md}.errors.txt"
fi
errs="$(awk '$5 != 1 {print $2, $3}' "$work/requests.log" | sort | uniq -c | sort -rn | awk '{printf "%s%s %s × %s", (NR > 1 ? ", " : ""), $2, $3, $1}')"

summary="$(awk 'NR >= 3 { if (!f) { f = 1; r0 = $9; t0 = $10; d0 = $11; k0 = $12 } r1 = $9; t1 = $10; d1 = $11; k1 = $12 }
  { n += $2; e += $3; w += $6; we += $7; if ($5 != "-" && $5 + 0 > mx + 0) mx = $5; if ($5 != "-" && (mn == "" || $5 + 0 < mn + 0)) mn = $5 }
  END { printf "%d requests, %d errors; %d uploads+commits, %d errors; per-minute p99 %s-%s ms; from minute 3 to the last: RSS %+d MiB (%d to %d), threads %+d, open files %+d, disk %+d MiB\n",
        n, e, w, we, mn, mx, r1 - r0, r0, r1, t1 - t0, d1 - d0, k1 - k0 }' "$work/rows")"
echo
echo "Totals: $summary" | tee -a "$SOAK_TABLE"
[ -z "$errs" ] || echo "Errors by kind and status (0: no answer): $errs" | tee -a "$SOAK_TABLE"
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), SOAK_MINUTES=$SOAK_MINUTES READERS=$READERS, $(nproc) vCPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg), Forge $(git -C "$root" rev-parse --short HEAD 2>/dev/null)" | tee -a "$SOAK_TABLE"
if [ "${#problems[@]}" -gt 0 ]; then
  printf '\nProblems seen during the run:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
fi

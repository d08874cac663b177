#!/usr/bin/env bash
# bench/cache.sh: the pull-through cache (issue 16) against the references measured in the same run.
#
# What it does: starts an upstream Forge (plain blob store, access log on) and pushes one SIZE_MIB file of random
#   bytes to admin/bench with git + git-lfs; then
#   1. cold: ROUNDS times, a fresh cache Forge (--upstream, chunk store) over an empty data folder that has answered the
#      repository's info and its small .gitattributes (a JVM that has served), and one curl of the file through it, next to one curl of the file straight from the upstream -> ratio cache/direct (goal >= 0.9);
#   2. warm: ROUNDS downloads of the file from the (now warm) cache next to nginx (sendfile) serving the upstream's
#      blob file -> ratio cache/nginx;
#   3. 20 concurrent cold clients: a fresh cache Forge, CLIENTS curls of the file at once; the upstream's access log
#      says how many bytes it sent for the file (goal <= 1.05 x SIZE_MIB).
#   Every download's size is checked, and the sha256 of one download of each kind.
#   UPSTREAM_MBIT=N puts the upstream behind a link of N Mbit/s per connection (an nginx reverse proxy with
#   limit_rate, for the direct downloads and the cache's fetches alike): an upstream across a network, as the Hub is,
#   rather than one sharing the client's two CPUs over loopback. Without it, all three programs share the CPUs and the
#   cold ratio measures how much CPU the cache adds per byte (receive, hash, write, send), not how well it keeps up.
#   nginx's limit_rate lets a response have its first second's worth at once (it allows rate x (elapsed + 1 s)), so
#   the link runs above N on short downloads: keep SIZE_MIB many seconds' worth (64 MiB at 1000 Mbit/s is not limited).
#   Every cold round starts after `sync`, on a disk that is not still writing back the rounds before it: a cold fetch
#   writes each byte twice (the staging file, then the chunk store's packs), so once the kernel writes dirty pages
#   back (beyond dirty_background_ratio, about 2 GiB of this 24 GiB machine) it runs at half the disk's write speed
#   (measured: 540-630 MiB/s before, 229-245 MiB/s once 2 GiB were dirty). That is the cold path's bound while a cache
#   ingests for minutes on end; docs/benchmarks.md gives both figures.
# Run:  bench/cache.sh            (SIZE_MIB=1024 ROUNDS=3 CLIENTS=20)
#       SIZE_MIB=64 bench/cache.sh   # a quick trial
#       UPSTREAM_MBIT=1000 bench/cache.sh   # the upstream across a 1 Gbit/s link
# Needs: JDK 25, curl, git, git-lfs, nginx, sha256sum, ss, awk.
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-20}"
FILE_NAME=model.bin
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bytes=$((SIZE_MIB * 1024 * 1024))
work_name=forge-cache-bench
. "$root/bench/lib.sh"
for tool in curl git git-lfs sha256sum ss awk; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "missing tool: nginx"
bench_init
cache_pid=""
trap 'stop_pid "$cache_pid" cache; bench_cleanup' EXIT

# the upstream: lib.sh's start_forge, plain store, with its access log (it counts the bytes sent)
export FORGE_STORAGE=plain
log "work dir $work; file ${SIZE_MIB} MiB"
start_forge_access() {
  FORGE_ACCESS_LOG=INFO FORGE_API_REQUESTS_PER_MINUTE=0 FORGE_RESOLVE_REQUESTS_PER_MINUTE=0 "$root/forge" serve --port 0 --data "$work/data" >"$work/forge.log" 2>&1 &
  forge_pid=$!
}
"$root/forge" --version >/dev/null || die "the build failed"
mkdir -p "$work/data"
start_forge_access
for _ in $(seq 1 1500); do grep -q 'Forge is serving' "$work/forge.log" 2>/dev/null && break; kill -0 "$forge_pid" || die "upstream died"; sleep 0.2; done
forge_port="$(sed -n 's/.*(listening on [^)]*:\([0-9][0-9]*\)).*/\1/p' "$work/forge.log" | head -n 1)"
token="$(grep -o 'hf_[A-Za-z0-9]\+' "$work/forge.log" | head -n 1)"
forge_base="http://127.0.0.1:$forge_port"
curl -sS -f -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"bench","organization":"admin","type":"model"}' "$forge_base/api/repos/create" >/dev/null || die "repo creation failed"

log "writing and pushing ${SIZE_MIB} MiB with git + git-lfs"
head -c "$bytes" /dev/urandom >"$work/payload"
sha="$(sha256sum "$work/payload" | awk '{print $1}')"
git_() { HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git "$@"; }
mkdir -p "$work/home"
git_ config --global user.name "Forge Bench"; git_ config --global user.email "bench@example.com"
git_ config --global init.defaultBranch main; git_ config --global lfs.locksverify false
git_ lfs install --skip-repo >/dev/null
git_ clone -q "http://admin:$token@127.0.0.1:$forge_port/admin/bench" "$work/clone" 2>"$work/git.log" || die "clone: $(cat "$work/git.log")"
ln "$work/payload" "$work/clone/$FILE_NAME" 2>/dev/null || cp "$work/payload" "$work/clone/$FILE_NAME"
git_ -C "$work/clone" add "$FILE_NAME"; git_ -C "$work/clone" commit -q -m "Add $FILE_NAME"
git_ -C "$work/clone" push -q origin main >>"$work/git.log" 2>&1 || die "push: $(cat "$work/git.log")"
rm -rf "$work/clone" "$work/payload" "$work/home/.cache"
blob="$work/data/blobs/${sha:0:2}/${sha:2:2}/$sha"
[ -f "$blob" ] || die "the pushed object is not at $blob"
upstream_base="$forge_base"   # what clients and the cache use to reach the upstream
if [ -n "${UPSTREAM_MBIT:-}" ]; then
  [[ "$UPSTREAM_MBIT" =~ ^[1-9][0-9]*$ ]] || die "UPSTREAM_MBIT must be a positive integer"
  proxy="$work/proxy"; mkdir -p "$proxy"
  proxy_port="$(free_port)" || die "no free port for the proxy"
  log "the upstream behind a ${UPSTREAM_MBIT} Mbit/s link (nginx limit_rate) on 127.0.0.1:$proxy_port"
  launch_nginx "$proxy" "    access_log off;
    server {
        listen 127.0.0.1:$proxy_port;
        location / {
            proxy_pass $forge_base;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$http_host;
            proxy_max_temp_file_size 0;   # read the upstream only as fast as the link sends
            limit_rate $((UPSTREAM_MBIT * 1000000 / 8));
        }
    }"
  proxy_pid=$launched_nginx_pid
  trap 'stop_pid "$cache_pid" cache; stop_pid "$proxy_pid" proxy; bench_cleanup' EXIT
  upstream_base="http://127.0.0.1:$proxy_port"
  for _ in $(seq 1 100); do curl -s -f -o /dev/null "$upstream_base/api/models/admin/bench" && break; sleep 0.1; done
fi
direct_url="$upstream_base/admin/bench/resolve/main/$FILE_NAME"

start_cache() { # DIR: a fresh cache Forge in front of the upstream; sets cache_pid, cache_url
  stop_pid "$cache_pid" cache
  rm -rf "$1"; mkdir -p "$1"
  FORGE_ACCESS_LOG=WARN FORGE_API_REQUESTS_PER_MINUTE=0 FORGE_RESOLVE_REQUESTS_PER_MINUTE=0 FORGE_STORAGE=chunks \
    "$root/forge" serve --port 0 --data "$1" --upstream "$upstream_base,$token" >"$1.log" 2>&1 &
  cache_pid=$!
  for _ in $(seq 1 1500); do grep -q 'Forge is serving' "$1.log" 2>/dev/null && break; kill -0 "$cache_pid" || die "cache died: $(tail "$1.log")"; sleep 0.2; done
  local port; port="$(sed -n 's/.*(listening on [^)]*:\([0-9][0-9]*\)).*/\1/p' "$1.log" | head -n 1)"
  cache_url="http://127.0.0.1:$port/admin/bench/resolve/main/$FILE_NAME"
  # what "cold" means here: the file is not cached; the JVM has answered a request (the repository's info and a small
  # file, .gitattributes), as a cache that has been serving for a while has
  curl -s -f -o /dev/null "http://127.0.0.1:$port/api/models/admin/bench" || die "the cache does not answer"
  curl -s -f -o /dev/null "http://127.0.0.1:$port/admin/bench/resolve/main/.gitattributes" || die "the cache does not answer"
}

speed() { # URL -> MiB/s (dies unless the whole file came)
  local out s n
  out="$(curl -s -f -o /dev/null -w '%{speed_download} %{size_download}' "$1")" || die "download of $1 failed"
  read -r s n <<<"$out"
  [ "$n" = "$bytes" ] || die "$1 sent $n bytes, expected $bytes"
  awk -v s="$s" 'BEGIN {printf "%.1f\n", s / 1048576}'
}
upstream_sent() { # bytes the upstream's access log shows for GETs of the file
  grep 'forge.access GET /admin/bench/resolve/' "$work/forge.log" | sed -n 's/.* \([0-9][0-9]*\)B .*/\1/p' | awk '{s += $1} END {printf "%.0f\n", s}'
}

[ "$(curl -s -f "$direct_url" | sha256sum | awk '{print $1}')" = "$sha" ] || die "direct download: wrong sha256"
: >"$work/direct.speeds"; : >"$work/cold.speeds"
for r in $(seq 1 "$ROUNDS"); do
  start_cache "$work/cache-$r"
  if [ "$r" = 1 ]; then
    got="$(curl -s -f "$cache_url" | sha256sum | awk '{print $1}')"
    [ "$got" = "$sha" ] || die "cold download through the cache: sha256 $got, expected $sha"
    start_cache "$work/cache-$r"
  fi
  [ "$r" = 1 ] || rm -rf "$work/cache-$((r - 1))"
  sync # each round starts on a disk that has written back the rounds before it (see the header)
  speed "$direct_url" >>"$work/direct.speeds"
  speed "$cache_url" >>"$work/cold.speeds"
  log "round $r: direct $(tail -n 1 "$work/direct.speeds") MiB/s, cold through the cache $(tail -n 1 "$work/cold.speeds") MiB/s"
done
direct_med="$(median <"$work/direct.speeds")"; cold_med="$(median <"$work/cold.speeds")"

log "warm cache vs nginx"
sleep 2 # the cache ingests the file into its chunk store after the last byte was served
[ "$(curl -s -f "$cache_url" | sha256sum | awk '{print $1}')" = "$sha" ] || die "warm download: wrong sha256"
start_nginx "$blob" "$FILE_NAME"
: >"$work/warm.speeds"; : >"$work/nginx.speeds"
for r in $(seq 1 "$ROUNDS"); do
  speed "$cache_url" >>"$work/warm.speeds"; speed "$nginx_url" >>"$work/nginx.speeds"
  log "round $r: warm cache $(tail -n 1 "$work/warm.speeds") MiB/s, nginx $(tail -n 1 "$work/nginx.speeds") MiB/s"
done
warm_med="$(median <"$work/warm.speeds")"; nginx_med="$(median <"$work/nginx.speeds")"

log "$CLIENTS concurrent cold clients"
start_cache "$work/cache-crowd"
before="$(upstream_sent)"
t0=$(date +%s.%N)
crowd=()
for i in $(seq 1 "$CLIENTS"); do
  curl -s -f -o /dev/null -w '%{size_download}\n' "$cache_url" >"$work/crowd-$i.n" &
  crowd+=($!)
done
for p in "${crowd[@]}"; do wait "$p" || die "a concurrent client failed"; done
crowd_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
for i in $(seq 1 "$CLIENTS"); do [ "$(cat "$work/crowd-$i.n")" = "$bytes" ] || die "client $i got $(cat "$work/crowd-$i.n") bytes"; done
for _ in $(seq 1 100); do [ "$(upstream_sent)" -gt "$before" ] && break; sleep 0.1; done   # the log line follows the last byte
sent=$(( $(upstream_sent) - before ))
cp "$work/forge.log" "${TMPDIR:-/tmp}/forge-cache-bench-upstream.log"

forge_rev="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cat <<MD
Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs; Forge ${forge_rev}; one ${SIZE_MIB} MiB file, medians of ${ROUNDS} rounds; client, upstream and cache on one machine (loopback)$([ -n "${UPSTREAM_MBIT:-}" ] && echo "; the upstream behind a ${UPSTREAM_MBIT} Mbit/s link per connection (nginx limit_rate)").

| measure | cache | reference | ratio | goal |
| --- | --- | --- | --- | --- |
| cold download through the cache vs straight from the upstream | ${cold_med} MiB/s | ${direct_med} MiB/s | $(ratio "$cold_med" "$direct_med") | >= 0.9 |
| warm download from the cache vs nginx (sendfile) | ${warm_med} MiB/s | ${nginx_med} MiB/s | $(ratio "$warm_med" "$nginx_med") | |
| ${CLIENTS} concurrent cold clients: bytes the upstream sent | $(awk -v s="$sent" 'BEGIN {printf "%.3f GiB", s / 1073741824}') | file $(awk -v s="$bytes" 'BEGIN {printf "%.3f GiB", s / 1073741824}') | $(ratio "$sent" "$bytes") | <= 1.05 |

${CLIENTS} clients were all served the whole file in ${crowd_s} s.
MD

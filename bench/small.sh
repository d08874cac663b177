#!/usr/bin/env bash
# bench/small.sh: the many-small-requests path (issue 17) — metadata, HEAD, small files, ranges on fresh
# connections and the per-download API reads — Forge against nginx serving the same bytes, in one run; plus
# Forge's start-up time and resident memory (idle with the demo data, and after the load).
#
# Rows (each Forge figure is paired with nginx's measured in the same run, interleaved where it is cheap):
#   1. HEAD /resolve of an LFS file, 64 keep-alive connections: `ab -i -k -c64 -n AB_REQUESTS` after a warm-up
#      (Debian's wrk 4.1 cannot finish HEAD responses, wg/wrk#198); p50 and p99 from ab's -e file, in microseconds.
#      nginx: HEAD of the same bytes (hard link).
#   2. GET /resolve of a small regular (git, non-LFS) file: `wrk -t2 -c64 -dDURATION --latency` after a warm-up.
#      nginx: a static copy of the same bytes. Then the same with one client thread (wrk -t1). With client and server
#      on the same 2 vCPUs, p99 here measures how long the client's threads wait for a CPU, weighted by wrk's
#      coordinated-omission correction (docs/benchmarks.md, "The small GET's p99 looked at again").
#   2b. The small GET at equal request rates: h2load (nghttp2) --h1 -t2 -c64 at a fixed rate per connection (--rps), the
#      same rate for both servers, at EQUAL_LOADS (0.15 0.4 0.7) of the request rate nginx reached in row 2; p50, p99
#      and p99.9 from h2load's per-request log (every request's own time: wrk corrects its latencies for coordinated
#      omission, adding made-up samples for each stall it sees, so at saturation its p99 counts stalls more than answers).
#      Every answer must be a 200, and the rate reached is reported next to the one asked for. h2load paces each
#      connection with a timer that fires at most every 10 ms (`std::max(0.01, 1. / rps)` in nghttp2's src/h2load.cc),
#      so above 100 req/s per connection it sends each connection's share of 10 ms back to back: at 0.7 of nginx's rate
#      about 14 requests in a row on each of 64 connections, bursts at the client's full speed. Hence row 2c.
#   2c. The same rates spread over many connections at 100 req/s each (one request per connection per timer tick, the
#      least bursty pacing h2load has): rate / 100 connections, same percentiles.
#   3. A 1 MiB range on a new connection each: one curl process, RANGES requests separated by `--next`, each with
#      `Connection: close` (so a fresh TCP connection each), random 1 MiB-aligned offsets in the LFS file, the same
#      offsets for both servers; median time to first byte (curl's time_starttransfer) and the sum of the total
#      times (the "200 random 1 MiB ranges" row). Every answer is checked: 206 and 1 MiB. RANGE_ROUNDS (6) rounds,
#      Forge and nginx alternating; reported: the median time to first byte over all, the median round's total.
#   4. The per-download API reads, wrk -c64 like row 2: GET /api/models/{id}, GET /api/models/{id}/revision/main,
#      GET /api/models/{id}/tree/main, POST /api/models/{id}/paths-info/main (paths=config.json, a form body as
#      huggingface_hub sends it). nginx serves the same JSON bytes as a static file (a GET; nginx has no API to
#      run, so this is "as fast as a static file", the bar the issue sets).
#   4b. The whole LFS file (LFS_MIB), DOWNLOADS (5) curl downloads from each server, interleaved: median MiB/s.
#   5. Start-up: Forge is first started with --demo (the demo seeding), stopped, and started again over the same
#      data; reported is the time from the launch of the JVM (./forge is exec'd; the build check is done before)
#      to the first answered request (GET /api/models/demo/tiny-gpt polled every 20 ms).
#   6. RSS (VmRSS of the Java process): idle with the demo data (IDLE_SECONDS after start), and after the load
#      has ended (AFTER_SECONDS after the last request), threads and open files with it.
#
# Rows 1, 2 and 4 also report the CPU time (user + system, all threads: Forge's JVM, nginx's worker) each server spent
# per request while the row ran: on a machine shared with other work that ratio holds where requests per second do not.
# Before the rows, every Forge URL gets JIT_WARMUP seconds (8) of the same load, unmeasured (nginx needs none).
# Run: bench/small.sh        Knobs: DURATION (wrk seconds, 10), WARMUP (5), AB_REQUESTS (100000), RANGES (200),
#   LFS_MIB (256), IDLE_SECONDS (10), AFTER_SECONDS (20), EQUAL_LOADS (0.15 0.4 0.7), FORGE_JAVA_OPTS (passed on to ./forge).
# Needs: JDK 25, curl, git, git-lfs, nginx, wrk, ab, h2load (Debian: nghttp2-client), jq, awk. Client and servers share the CPUs: on a loaded
# machine read the ratios, which come from the same run, not the absolute figures.
set -euo pipefail

DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-5}"
AB_REQUESTS="${AB_REQUESTS:-100000}"
RANGES="${RANGES:-200}"
LFS_MIB="${LFS_MIB:-256}"
IDLE_SECONDS="${IDLE_SECONDS:-10}"
AFTER_SECONDS="${AFTER_SECONDS:-20}"
JIT_WARMUP="${JIT_WARMUP:-8}"
RANGE_ROUNDS="${RANGE_ROUNDS:-6}"
DOWNLOADS="${DOWNLOADS:-5}"
EQUAL_LOADS="${EQUAL_LOADS:-0.15 0.4 0.7}"
CONNS=64

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-small
. "$root/bench/lib.sh"
for tool in curl git git-lfs wrk ab h2load jq awk sha256sum ss; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "missing tool: nginx"
bench_init
export FORGE_STORAGE=plain   # nginx reads the plain store's blob file through a hard link

percentile() { # P, numbers on stdin -> nearest-rank percentile
  sort -g | awk -v p="$1" '{v[NR] = $1} END { if (NR == 0) exit 1; i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}
to_ms() { # wrk duration -> ms
  awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u != "ms") n = -1
    printf "%.2f", n }'
}
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
java_pid() { # the java process under ./forge (the launcher execs java, so it is the same pid)
  echo "$forge_pid"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

launch_forge() { # [--demo]: starts Forge over $work/data (rate limits off, access log at WARN); sets forge_pid
  FORGE_ACCESS_LOG=WARN FORGE_API_REQUESTS_PER_MINUTE=0 FORGE_RESOLVE_REQUESTS_PER_MINUTE=0 \
    "$root/forge" serve --port "$forge_port" --data "$work/data" "$@" >>"$work/forge.log" 2>&1 &
  forge_pid=$!
}

# ------------------------------------------------------------------------------------------ 1. Forge with the demo data
log "building Forge if the sources changed"
"$root/forge" --version >/dev/null || die "the build failed"
forge_port="$(free_port)" || die "no free port"
forge_base="http://127.0.0.1:$forge_port"
mkdir -p "$work/data"
log "first start with --demo (seeds the demo repositories)"
launch_forge --demo
for _ in $(seq 1 1500); do
  grep -q 'Forge is serving' "$work/forge.log" 2>/dev/null && break
  kill -0 "$forge_pid" 2>/dev/null || die "Forge exited during start-up"
  sleep 0.2
done
grep -q 'Forge is serving' "$work/forge.log" || die "Forge did not start"
token="$(grep -o 'hf_[A-Za-z0-9]\+' "$work/forge.log" | head -n 1)"
[ -n "$token" ] || die "no admin token in Forge's output"
sleep "$IDLE_SECONDS"
rss_first_idle="$(rss_mib "$forge_pid")"
log "idle after the first start (seeded): RSS ${rss_first_idle} MiB"
stop_pid "$forge_pid" forge

log "second start over the same data (timed to the first answered request)"
t0=$(date +%s%N)
launch_forge
for _ in $(seq 1 6000); do
  if curl -s -f -o /dev/null "$forge_base/api/models/demo/tiny-gpt"; then break; fi
  kill -0 "$forge_pid" 2>/dev/null || die "Forge exited during the second start"
  sleep 0.02
done
t1=$(date +%s%N)
curl -s -f -o /dev/null "$forge_base/api/models/demo/tiny-gpt" || die "Forge did not answer after its second start"
startup_ms=$(( (t1 - t0) / 1000000 ))
log "start-up to the first answered request: ${startup_ms} ms"
sleep "$IDLE_SECONDS"
rss_idle="$(rss_mib "$forge_pid")"
threads_idle="$(threads_of "$forge_pid")"
log "idle with the demo data: RSS ${rss_idle} MiB, ${threads_idle} threads"

# ------------------------------------------------------------------------------------------ 2. the files
log "creating admin/bench and pushing config.json (git) and model.bin (${LFS_MIB} MiB, LFS)"
curl -sS -f -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"bench","organization":"admin","type":"model"}' "$forge_base/api/repos/create" >/dev/null || die "repo creation failed"
git_() { HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git "$@"; }
mkdir -p "$work/home"
git_ config --global user.name "Forge Bench"; git_ config --global user.email bench@example.com
git_ config --global init.defaultBranch main; git_ config --global lfs.locksverify false
git_ lfs install --skip-repo >/dev/null
git_ clone -q "http://admin:$token@127.0.0.1:$forge_port/admin/bench" "$work/clone" 2>"$work/git.log" || die "clone: $(cat "$work/git.log")"
# a config.json as models carry it (about 1.5 KiB of JSON)
jq -n '{architectures: ["LlamaForCausalLM"], attention_bias: false, bos_token_id: 1, eos_token_id: 2, hidden_act: "silu",
  hidden_size: 4096, initializer_range: 0.02, intermediate_size: 11008, max_position_embeddings: 4096, model_type: "llama",
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32, pretraining_tp: 1, rms_norm_eps: 1e-05,
  rope_scaling: null, rope_theta: 10000.0, tie_word_embeddings: false, torch_dtype: "float16", transformers_version: "4.40.0",
  use_cache: true, vocab_size: 32000, quantization_config: {bits: 4, group_size: 128, desc_act: false, sym: true},
  generation: {temperature: 0.6, top_p: 0.9, max_length: 4096, do_sample: true, pad_token_id: 0},
  notes: "a representative small regular file: the clients GET config.json, generation_config.json and tokenizer_config.json"}' \
  >"$work/clone/config.json"
head -c $((LFS_MIB * 1048576)) /dev/urandom >"$work/clone/model.bin"
sha="$(sha256sum "$work/clone/model.bin" | awk '{print $1}')"
git_ -C "$work/clone" check-attr filter -- model.bin | grep -q 'filter: lfs' || die "model.bin is not LFS-tracked"
git_ -C "$work/clone" add config.json model.bin
git_ -C "$work/clone" commit -q -m "config and weights"
git_ -C "$work/clone" push -q origin main >>"$work/git.log" 2>&1 || die "push: $(cat "$work/git.log")"
cp "$work/clone/config.json" "$work/config.json"
rm -rf "$work/clone"
blob="$work/data/blobs/${sha:0:2}/${sha:2:2}/$sha"
[ -f "$blob" ] || die "the LFS object is not at $blob"

start_nginx "$blob" model.bin
cp "$work/config.json" "$ngx/www/config.json"
repo_api="$forge_base/api/models/admin/bench"
declare -A forge_url nginx_url_of
forge_url[head]="$forge_base/admin/bench/resolve/main/model.bin"; nginx_url_of[head]="http://127.0.0.1:$nginx_port/model.bin"
forge_url[small]="$forge_base/admin/bench/resolve/main/config.json"; nginx_url_of[small]="http://127.0.0.1:$nginx_port/config.json"
forge_url[info]="$repo_api"
forge_url[revision]="$repo_api/revision/main"
forge_url[tree]="$repo_api/tree/main"
forge_url[pathsinfo]="$repo_api/paths-info/main"
# the API answers as static files for nginx (the same bytes Forge sends)
for k in info revision tree; do
  curl -s -f "${forge_url[$k]}" >"$ngx/www/$k.json" || die "GET ${forge_url[$k]} failed"
  nginx_url_of[$k]="http://127.0.0.1:$nginx_port/$k.json"
done
curl -s -f -X POST --data 'paths=config.json&expand=true' "${forge_url[pathsinfo]}" >"$ngx/www/pathsinfo.json" || die "paths-info failed"
nginx_url_of[pathsinfo]="http://127.0.0.1:$nginx_port/pathsinfo.json"
jq -e '.[0].path == "config.json"' "$ngx/www/pathsinfo.json" >/dev/null || die "paths-info answered $(cat "$ngx/www/pathsinfo.json")"
cmp -s <(curl -s -f "${forge_url[small]}") "$work/config.json" || die "Forge served other bytes for config.json"
cmp -s <(curl -s -f "${nginx_url_of[small]}") "$work/config.json" || die "nginx served other bytes for config.json"

# ------------------------------------------------------------------------------------------ 3. measure
declare -A rps p50 p99 cpu
# CPU time (user + system, all threads) the server spent per request during a row: a figure that holds on a busy machine
# too, where requests per second mostly say how much CPU the other work left over
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
server_pid() { case "$1" in forge.*) echo "$forge_pid" ;; *) echo "$nginx_worker" ;; esac; }
cpu_per_request() { # NAME TICKS_BEFORE REQUESTS
  local after; after="$(ticks_of "$(server_pid "$1")")"
  cpu[$1]="$(awk -v a="$2" -v b="$after" -v n="$3" -v t="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / t * 1e6 / n; else print "n/a" }')"
}
run_ab_head() { # NAME URL
  ab -i -k -c"$CONNS" -n $((AB_REQUESTS / 5)) "$2" >/dev/null 2>&1 || true
  local t0; t0="$(ticks_of "$(server_pid "$1")")"
  # -e: the percentiles with microseconds (ab's own table counts whole milliseconds: nginx's p99 reads 0)
  ab -i -k -c"$CONNS" -n "$AB_REQUESTS" -e "$work/$1.csv" "$2" >"$work/$1.ab" 2>&1 || die "ab against $1: $(tail -3 "$work/$1.ab")"
  cpu_per_request "$1" "$t0" "$AB_REQUESTS"
  local failed non2xx
  failed="$(awk '/^Failed requests:/ {print $3}' "$work/$1.ab")"
  non2xx="$(awk '/^Non-2xx responses:/ {print $3}' "$work/$1.ab")"
  [ "${failed:-0}" = 0 ] && [ -z "$non2xx" ] || warn "$1: ab counted ${failed:-0} failed and ${non2xx:-0} non-2xx requests"
  rps[$1]="$(awk '/^Requests per second:/ {printf "%.0f", $4}' "$work/$1.ab")"
  p50[$1]="$(awk -F, '$1 == "50" {printf "%.2f", $2}' "$work/$1.csv")"
  p99[$1]="$(awk -F, '$1 == "99" {printf "%.2f", $2}' "$work/$1.csv")"
}
run_wrk() { # NAME URL [LUA]; WRK_THREADS (2) client threads
  local lua=() t="${WRK_THREADS:-2}"
  [ -n "${3:-}" ] && lua=(-s "$3")
  [ "$WARMUP" -gt 0 ] && { wrk -t"$t" -c"$CONNS" -d"${WARMUP}s" "${lua[@]}" "$2" >/dev/null 2>&1 || true; }
  local t0; t0="$(ticks_of "$(server_pid "$1")")"
  wrk -t"$t" -c"$CONNS" -d"${DURATION}s" --latency "${lua[@]}" "$2" >"$work/$1.wrk" 2>&1 || die "wrk against $1: $(cat "$work/$1.wrk")"
  cpu_per_request "$1" "$t0" "$(awk '/requests in/ {print $1}' "$work/$1.wrk")"
  if grep -q 'Non-2xx or 3xx responses\|Socket errors' "$work/$1.wrk"; then warn "$1: $(grep 'Non-2xx or 3xx\|Socket errors' "$work/$1.wrk" | paste -sd ' ')"; fi
  rps[$1]="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/$1.wrk")"
  p50[$1]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/$1.wrk")")"
  p99[$1]="$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")")"
}

# a fresh JVM answers its first tens of thousands of requests from the interpreter and C1 code: every Forge URL is
# requested for JIT_WARMUP seconds first (HEAD with ab), so the rows compare served requests, not the JIT's progress
log "JIT warm-up: ${JIT_WARMUP}s of each Forge URL"
ab -i -k -c"$CONNS" -t "$JIT_WARMUP" -n 10000000 "${forge_url[head]}" >/dev/null 2>&1 || true
printf 'wrk.method = "POST"\nwrk.body = "paths=config.json&expand=true"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' >"$work/pathsinfo.lua"
for k in small info revision tree; do wrk -t2 -c"$CONNS" -d"${JIT_WARMUP}s" "${forge_url[$k]}" >/dev/null 2>&1 || true; done
wrk -t2 -c"$CONNS" -d"${JIT_WARMUP}s" -s "$work/pathsinfo.lua" "${forge_url[pathsinfo]}" >/dev/null 2>&1 || true
# and the ranges of row 3 (on kept-alive connections: the warm-up is of the code, not of connection set-up)
ab -k -c4 -t "$JIT_WARMUP" -n 10000000 -H 'Range: bytes=1048576-2097151' "${forge_url[head]}" >/dev/null 2>&1 || true

log "HEAD with ab -i -k -c$CONNS -n$AB_REQUESTS"
run_ab_head forge.head "${forge_url[head]}"
run_ab_head nginx.head "${nginx_url_of[head]}"
for k in small info revision tree; do
  log "GET $k with wrk -t2 -c$CONNS -d${DURATION}s"
  run_wrk "forge.$k" "${forge_url[$k]}"
  run_wrk "nginx.$k" "${nginx_url_of[$k]}"
done
log "GET small with one client thread, wrk -t1 -c$CONNS -d${DURATION}s"
WRK_THREADS=1 run_wrk forge.small1 "${forge_url[small]}"
WRK_THREADS=1 run_wrk nginx.small1 "${nginx_url_of[small]}"
# h2load's per-request log: start (µs since the epoch), status, time to the end of the answer (µs)
declare -A p999
run_paced() { # NAME URL RPS_PER_CONNECTION [CONNECTIONS] -> rps (reached), p50, p99, p999 (ms) of NAME
  h2load --h1 -t2 -c"${4:-$CONNS}" -D "$DURATION" --warm-up-time=2 --rps="$3" --log-file="$work/$1.h2log" "$2" >"$work/$1.h2load" 2>&1 ||
    die "h2load against $1: $(tail -3 "$work/$1.h2load")"
  local bad; bad="$(awk '$2 != 200' "$work/$1.h2log" | wc -l)"
  [ "$bad" = 0 ] || warn "$1: $bad answers were not 200"
  awk '{printf "%.3f\n", $3 / 1000}' "$work/$1.h2log" >"$work/$1.ms"
  rps[$1]="$(awk '/^finished in/ {printf "%.0f", $4}' "$work/$1.h2load")"
  p50[$1]="$(percentile 50 <"$work/$1.ms")"
  p99[$1]="$(percentile 99 <"$work/$1.ms")"
  p999[$1]="$(percentile 99.9 <"$work/$1.ms")"
}
share() { # FRACTION DIVISOR -> FRACTION of nginx's small-GET rate over DIVISOR, rounded, at least 1
  awk -v f="$1" -v r="${rps[nginx.small]}" -v d="$2" 'BEGIN { n = int(f * r / d + 0.5); print (n < 1 ? 1 : n) }'
}
paced=() spread=()
for f in $EQUAL_LOADS; do
  per="$(share "$f" "$CONNS")"
  paced+=("$f:$per")
  log "GET small at an equal rate: h2load --h1 -t2 -c$CONNS --rps=$per ($f of nginx's ${rps[nginx.small]} req/s)"
  run_paced "forge.paced$per" "${forge_url[small]}" "$per"
  run_paced "nginx.paced$per" "${nginx_url_of[small]}" "$per"
  conns="$(share "$f" 100)"
  spread+=("$f:$conns")
  log "GET small at an equal rate spread over connections: h2load --h1 -t2 -c$conns --rps=100 ($f of nginx's ${rps[nginx.small]} req/s)"
  run_paced "forge.spread$conns" "${forge_url[small]}" 100 "$conns"
  run_paced "nginx.spread$conns" "${nginx_url_of[small]}" 100 "$conns"
done
log "POST paths-info with wrk"
run_wrk forge.pathsinfo "${forge_url[pathsinfo]}" "$work/pathsinfo.lua"
run_wrk nginx.pathsinfo "${nginx_url_of[pathsinfo]}"

log "$RANGES random 1 MiB ranges, a new connection each (same offsets for both servers)"
chunks=$((LFS_MIB))
for _ in $(seq 1 "$RANGES"); do echo $((RANDOM % chunks)); done >"$work/offsets"
ranges() { # NAME URL: one curl, RANGES requests with Connection: close
  local args=() first=1 o
  while read -r o; do
    [ $first = 1 ] || args+=(--next)
    first=0
    args+=(-s -o /dev/null -H 'Connection: close' -r "$((o * 1048576))-$((o * 1048576 + 1048575))"
      -w '%{http_code} %{size_download} %{time_starttransfer} %{time_total} %{num_connects}\n' "$2")
  done <"$work/offsets"
  curl "${args[@]}" >"$work/$1.ranges" || die "range requests against $1 failed"
  local bad
  bad="$(awk '$1 != 206 || $2 != 1048576' "$work/$1.ranges" | wc -l)"
  [ "$bad" = 0 ] || die "$1: $bad range answers were not 206 with 1 MiB"
  [ "$(awk '{c += $5} END {print c}' "$work/$1.ranges")" = "$RANGES" ] || warn "$1: curl reused connections"
}
ranges forge "${forge_url[head]}"   # warm-up (also the JIT)
ranges nginx "${nginx_url_of[head]}"
# RANGE_ROUNDS alternating rounds (forge, nginx, nginx, forge, …) so that both see the same moments of a busy machine
: >"$work/forge.all"; : >"$work/nginx.all"
for r in $(seq 1 "$RANGE_ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="forge nginx"; else order="nginx forge"; fi
  for s in $order; do
    if [ "$s" = forge ]; then ranges forge "${forge_url[head]}"; else ranges nginx "${nginx_url_of[head]}"; fi
    cat "$work/$s.ranges" >>"$work/$s.all"
  done
done
declare -A ttfb total
for s in forge nginx; do
  ttfb[$s]="$(awk '{printf "%.3f\n", $3 * 1000}' "$work/$s.all" | median)"
  # the time of one round of RANGES, as the median over the rounds
  total[$s]="$(awk -v n="$RANGES" '{t += $4} NR % n == 0 {printf "%.3f\n", t; t = 0}' "$work/$s.all" | median)"
done

log "whole ${LFS_MIB} MiB file, $DOWNLOADS downloads from each, interleaved"
: >"$work/forge.speeds"; : >"$work/nginx.speeds"
for r in $(seq 1 "$DOWNLOADS"); do
  if [ $((r % 2)) = 1 ]; then order="forge nginx"; else order="nginx forge"; fi
  for s in $order; do
    if [ "$s" = forge ]; then u="${forge_url[head]}"; else u="${nginx_url_of[head]}"; fi
    out="$(curl -s -f -o /dev/null -w '%{speed_download} %{size_download}' "$u")" || die "$s download failed"
    read -r speed size <<<"$out"
    [ "$size" = $((LFS_MIB * 1048576)) ] || die "$s sent $size bytes"
    awk -v v="$speed" 'BEGIN {printf "%.1f\n", v / 1048576}' >>"$work/$s.speeds"
  done
done
declare -A mibs
for s in forge nginx; do mibs[$s]="$(median <"$work/$s.speeds")"; done

sleep "$AFTER_SECONDS"
rss_after="$(rss_mib "$forge_pid")"
threads_after="$(threads_of "$forge_pid")"
fds_after="$(fds_of "$forge_pid")"
log "after the load (+${AFTER_SECONDS}s): RSS ${rss_after} MiB, ${threads_after} threads, ${fds_after} fds"

# ------------------------------------------------------------------------------------------ 4. report
forge_rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain -- src pom.xml forge 2>/dev/null)" ] || forge_rev="$forge_rev+local changes"
loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
row() { # LABEL KEY
  printf '| %s | %s req/s, p50 %s, p99 %s ms, %s µs CPU | %s req/s, p50 %s, p99 %s ms, %s µs CPU | **%s×** | %s× | %s× |\n' "$1" \
    "${rps[forge.$2]}" "${p50[forge.$2]}" "${p99[forge.$2]}" "${cpu[forge.$2]}" "${rps[nginx.$2]}" "${p50[nginx.$2]}" \
    "${p99[nginx.$2]}" "${cpu[nginx.$2]}" "$(ratio "${rps[forge.$2]}" "${rps[nginx.$2]}")" "$(ratio "${p99[forge.$2]}" "${p99[nginx.$2]}")" \
    "$(ratio "${cpu[forge.$2]}" "${cpu[nginx.$2]}")"
}
cat <<EOF

### Small requests, Forge vs nginx (bench/small.sh)

Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs, load average at the end ${loadavg}; Forge ${forge_rev}
(\`./forge\` as launched, JVM options: ${FORGE_JAVA_OPTS:-none extra}; rate limits off, access log at WARN); nginx
$("$NGINX" -v 2>&1 | sed 's/.*nginx\///') with 1 worker. Ratios are Forge / nginx from this one run.

| request | Forge | nginx | req/s ratio | p99 ratio | CPU per request ratio |
|---|---|---|---|---|---|
$(row "HEAD \`/resolve\` of an LFS file (\`ab -i -k -c$CONNS -n$AB_REQUESTS\`)" head)
$(row "GET \`/resolve\` of a small regular file (\`wrk -t2 -c$CONNS -d${DURATION}s\`)" small)
$(row "the same, one client thread (\`wrk -t1 -c$CONNS -d${DURATION}s\`)" small1)
$(row "GET \`/api/models/{id}\`" info)
$(row "GET \`/api/models/{id}/revision/main\`" revision)
$(row "GET \`/api/models/{id}/tree/main\`" tree)
$(row "POST \`/api/models/{id}/paths-info/main\` (nginx: GET of the same JSON)" pathsinfo)

The small GET at equal request rates (\`h2load --h1 -t2 -c$CONNS -D$DURATION --rps=N\`, N per connection; every
request's own time, from h2load's log; ms):

| asked for (fraction of nginx's rate in row 2) | Forge reached | nginx reached | Forge p50 / p99 / p99.9 | nginx p50 / p99 / p99.9 | p99 ratio |
|---|---|---|---|---|---|
$(for l in "${paced[@]}"; do f="${l%%:*}"; n="${l##*:}"; a="forge.paced$n" b="nginx.paced$n"
  printf '| %s req/s (%s) | %s | %s | %s / %s / %s | %s / %s / %s | **%s×** |\n' "$((n * CONNS))" "$f" "${rps[$a]}" "${rps[$b]}" \
    "${p50[$a]}" "${p99[$a]}" "${p999[$a]}" "${p50[$b]}" "${p99[$b]}" "${p999[$b]}" "$(ratio "${p99[$a]}" "${p99[$b]}")"; done)

The same rates spread over connections at 100 req/s each (\`h2load --h1 -t2 -cC -D$DURATION --rps=100\`; h2load's timer
fires at most every 10 ms, so at this rate each connection sends one request per tick rather than a burst; ms):

| asked for (fraction of nginx's rate in row 2) | connections | Forge reached | nginx reached | Forge p50 / p99 / p99.9 | nginx p50 / p99 / p99.9 | p99 ratio |
|---|---|---|---|---|---|---|
$(for l in "${spread[@]}"; do f="${l%%:*}"; n="${l##*:}"; a="forge.spread$n" b="nginx.spread$n"
  printf '| %s req/s (%s) | %s | %s | %s | %s / %s / %s | %s / %s / %s | **%s×** |\n' "$((n * 100))" "$f" "$n" "${rps[$a]}" "${rps[$b]}" \
    "${p50[$a]}" "${p99[$a]}" "${p999[$a]}" "${p50[$b]}" "${p99[$b]}" "${p999[$b]}" "$(ratio "${p99[$a]}" "${p99[$b]}")"; done)

| request | Forge | nginx | ratio |
|---|---|---|---|
| whole ${LFS_MIB} MiB LFS file, MiB/s, median of $DOWNLOADS (interleaved) | ${mibs[forge]} | ${mibs[nginx]} | **$(ratio "${mibs[forge]}" "${mibs[nginx]}")×** throughput |
| 1 MiB range, a new connection each, median time to first byte ($RANGE_ROUNDS × $RANGES requests) | ${ttfb[forge]} ms | ${ttfb[nginx]} ms | **$(ratio "${ttfb[forge]}" "${ttfb[nginx]}")×** |
| $RANGES random 1 MiB ranges, one client, a connection each, total time (median of $RANGE_ROUNDS rounds) | ${total[forge]} s | ${total[nginx]} s | $(ratio "${total[forge]}" "${total[nginx]}")× |

| Forge process | figure |
|---|---|
| start-up, launch of the JVM to the first answered request (second start over the demo data) | ${startup_ms} ms |
| RSS idle with the demo data, ${IDLE_SECONDS} s after the first start (seeding) / after a restart | ${rss_first_idle} MiB / ${rss_idle} MiB (${threads_idle} threads) |
| RSS ${AFTER_SECONDS} s after this run's load ended | ${rss_after} MiB (${threads_after} threads, ${fds_after} open files) |
EOF
if [ "${#problems[@]}" -gt 0 ]; then
  printf '\nProblems seen during the run:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
fi

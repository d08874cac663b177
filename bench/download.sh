#!/usr/bin/env bash
# bench/download.sh: how fast Forge serves one large LFS file, compared with nginx serving the same bytes.
#
# What it measures, in one run on this machine, over loopback (127.0.0.1):
#   * GET throughput of /admin/bench/resolve/main/<file> (an LFS file streamed from the content-addressed store),
#     against nginx (1 worker, sendfile on, tcp_nopush on, access_log off) serving the SAME bytes: nginx's root holds a
#     hard link to the blob Forge stores at DATA/blobs/ab/cd/<sha256>, so both read the same page-cache pages.
#     Each download is `curl -s -o /dev/null -w '%{speed_download} %{size_download}'`; forge and nginx rounds are
#     interleaved (the order flips every round) so they share the machine's noise. One unmeasured download from each,
#     piped through sha256sum, checks the bytes and warms the page cache and the JIT. Every measured download has its
#     byte count checked. Reported: median MiB/s (MiB = 2^20 bytes), min-max, the forge/nginx ratio, and the server's
#     CPU time (utime+stime from /proc/PID/stat; nginx: its worker) per GiB sent.
#   * Latency of the metadata request clients make before every download, HEAD /admin/bench/resolve/main/<file>,
#     under load: `wrk -t2 -c64 -d${DURATION}s --latency -s <script that sets wrk.method = "HEAD">`, reporting p50 and
#     p99 from wrk's latency distribution and requests/s; the same against nginx's static file as a yardstick.
#     wrk 4.1.0 (Debian's) cannot parse a HEAD response that carries a non-zero Content-Length: it waits for a body
#     that never comes and counts 0 requests (github.com/wg/wrk issue 198). The script probes for that first and, if so,
#     measures the conditional GET instead (`If-None-Match: <the server's ETag>`, answered 304 with no body), which
#     takes the same path as HEAD in Forge (resolve through the index, set the headers, send no body). It also
#     measures real HEAD requests serially with curl on one kept-alive connection (HEAD_SERIAL requests) and
#     reports p50/p99 of those. Each wrk run follows an unmeasured warm-up of WARMUP seconds; the server's CPU time
#     per request during the measured run is reported too (it varies less than latency on a busy machine).
#   * Steps: build if needed (./forge's launcher), start Forge on a free loopback port over a temp data dir (the
#     admin token is taken from its first-start message), create admin/bench, push one LFS file of SIZE_MIB random
#     MiB with git + git-lfs, start nginx, measure, print a Markdown fragment for docs/benchmarks.md.
#     Both servers are stopped by PID and the temp dir removed in a trap on EXIT.
#
# Run (from anywhere):
#     bench/download.sh
# Knobs (environment): SIZE_MIB (default 1024), ROUNDS (5), DURATION (wrk seconds, 10), WARMUP (unmeasured wrk
#   seconds before each measured wrk run, max(DURATION, 10)), HEAD_SERIAL (1000),
#   FILE_NAME (model.bin), TMPDIR (where the temp dir goes; it needs ~3x SIZE_MIB free).
# Also real HEAD under load with ApacheBench (`ab -i -k`, Debian's apache2-utils) when installed: it reports whole
#   milliseconds only, so p50/p99 below 1 ms show as 0 or 1.
# Needs: JDK 25, curl, git, git-lfs, nginx, wrk, sha256sum, ss, awk. Client and servers share the CPUs, and on a
# 2-vCPU machine curl itself is the bottleneck: treat the absolute numbers as +-30% and read the ratio.
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"
HEAD_SERIAL="${HEAD_SERIAL:-1000}"
WARMUP="${WARMUP:-$(( DURATION > 10 ? DURATION : 10 ))}"
FILE_NAME="${FILE_NAME:-model.bin}"
WRK_THREADS=2
WRK_CONNS=64

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bytes=$((SIZE_MIB * 1024 * 1024))

work_name=forge-bench
. "$root/bench/lib.sh"

for tool in curl git git-lfs nginx wrk sha256sum ss awk sort; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "missing tool: $tool"
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ && "$DURATION" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ ]] \
  || die "SIZE_MIB, ROUNDS and DURATION must be positive integers, WARMUP a non-negative one"

bench_init

# ------------------------------------------------------------------------------------------ helpers
percentile() { # P, numbers on stdin -> nearest-rank percentile
  sort -g | awk -v p="$1" '{v[NR] = $1} END { if (NR == 0) exit 1; i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

to_ms() { # wrk duration (123.45us, 1.20ms, 2.00s, 1.50m) -> milliseconds
  awk -v d="$1" 'BEGIN {
    n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u != "ms") n = -1
    printf "%.3f", n }'
}

git_() { HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git "$@"; }

# ------------------------------------------------------------------------------------------ 1. Forge
log "work dir $work; file ${SIZE_MIB} MiB, ${ROUNDS} rounds, wrk ${DURATION}s"
# This script reads the plain store's files (DATA/blobs/...) directly, so it runs Forge on the plain store
# (FORGE_STORAGE=plain); bench/dedup-throughput.sh measures the default chunk store against the same yardsticks.
export FORGE_STORAGE=plain
start_forge

log "writing ${SIZE_MIB} MiB of random bytes"
head -c "$bytes" /dev/urandom >"$work/payload"
sha="$(sha256sum "$work/payload" | awk '{print $1}')"

log "pushing $FILE_NAME with git + git-lfs"
mkdir -p "$work/home"
git_ config --global user.name "Forge Bench"
git_ config --global user.email "bench@example.com"
git_ config --global init.defaultBranch main
git_ config --global lfs.locksverify false
git_ lfs install --skip-repo >/dev/null
git_ clone -q "http://admin:$token@127.0.0.1:$forge_port/admin/bench" "$work/clone" 2>"$work/git.log" \
  || die "git clone failed: $(cat "$work/git.log")"
git_ -C "$work/clone" check-attr filter -- "$FILE_NAME" | grep -q 'filter: lfs' \
  || die "$FILE_NAME is not LFS-tracked by the repo's initial .gitattributes"
ln "$work/payload" "$work/clone/$FILE_NAME" 2>/dev/null || cp "$work/payload" "$work/clone/$FILE_NAME"
git_ -C "$work/clone" add "$FILE_NAME"
git_ -C "$work/clone" commit -q -m "Add $FILE_NAME"
push_start=$(date +%s.%N)
git_ -C "$work/clone" push -q origin main >>"$work/git.log" 2>&1 || die "git push failed: $(cat "$work/git.log")"
push_s=$(awk -v a="$push_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
rm -rf "$work/clone" "$work/home/.cache"   # the clone holds two more copies of the file
blob="$work/data/blobs/${sha:0:2}/${sha:2:2}/$sha"
[ -f "$blob" ] || die "the pushed object is not at $blob"
[ "$(stat -c %s "$blob")" = "$bytes" ] || die "the stored blob has $(stat -c %s "$blob") bytes, not $bytes"
rm -f "$work/payload"
log "pushed in ${push_s}s; blob $blob"

# ------------------------------------------------------------------------------------------ 2. nginx
start_nginx "$blob" "$FILE_NAME"
forge_url="$forge_base/admin/bench/resolve/main/$FILE_NAME"

# ------------------------------------------------------------------------------------------ 3. headers and downloads
header() { # FILE NAME -> value of the last such header (case-insensitive), without CR
  awk -v n="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" 'BEGIN {FS = ": "} { k = tolower($1); sub(/\r$/, "") } k == n { v = substr($0, length($1) + 3) } END { print v }' "$1"
}
curl -s -f -I "$forge_url" >"$work/forge.head" || die "HEAD $forge_url failed"
curl -s -f -I "$nginx_url" >"$work/nginx.head" || die "HEAD $nginx_url failed"
forge_etag="$(header "$work/forge.head" ETag)"
nginx_etag="$(header "$work/nginx.head" ETag)"
[ "$(header "$work/forge.head" Content-Length)" = "$bytes" ] || warn "Forge HEAD Content-Length is '$(header "$work/forge.head" Content-Length)', expected $bytes"
[ "$forge_etag" = "\"$sha\"" ] || warn "Forge HEAD ETag is '$forge_etag', expected \"$sha\""
[ "$(header "$work/forge.head" X-Linked-Size)" = "$bytes" ] || warn "Forge HEAD X-Linked-Size is '$(header "$work/forge.head" X-Linked-Size)', expected $bytes"
[ "$(header "$work/forge.head" X-Linked-Etag)" = "\"$sha\"" ] || warn "Forge HEAD X-Linked-Etag is '$(header "$work/forge.head" X-Linked-Etag)'"
[ -n "$(header "$work/forge.head" X-Repo-Commit)" ] || warn "Forge HEAD has no X-Repo-Commit"
head -n 1 "$work/forge.head" | grep -q ' 200' || warn "Forge HEAD status: $(head -n 1 "$work/forge.head")"

log "checking sha256 of one download from each (also the warm-up)"
for s in forge nginx; do
  url_var="${s}_url"
  got="$(curl -s -f "${!url_var}" | sha256sum | awk '{print $1}')"
  [ "$got" = "$sha" ] || die "$s served bytes with sha256 $got, expected $sha"
done

clk_tck="$(getconf CLK_TCK)"
declare -A cpu_ticks_total=([forge]=0 [nginx]=0)
: >"$work/forge.speeds"
: >"$work/nginx.speeds"
download() { # NAME URL PID -> appends MiB/s to $work/NAME.speeds
  local name="$1" url="$2" pid="$3" out speed size t0 t1
  t0=$(cpu_ticks "$pid")
  out="$(curl -s -f -o /dev/null -w '%{speed_download} %{size_download}' "$url")" || die "$name download failed (curl exit $?)"
  t1=$(cpu_ticks "$pid")
  read -r speed size <<<"$out"
  [ "$size" = "$bytes" ] || die "$name sent $size bytes, expected $bytes"
  cpu_ticks_total[$name]=$(( ${cpu_ticks_total[$name]} + t1 - t0 ))
  awk -v s="$speed" 'BEGIN {printf "%.1f\n", s / 1048576}' >>"$work/$name.speeds"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="forge nginx"; else order="nginx forge"; fi
  for s in $order; do
    if [ "$s" = forge ]; then download forge "$forge_url" "$forge_pid"; else download nginx "$nginx_url" "$nginx_worker"; fi
  done
  log "round $r/$ROUNDS ($order): forge $(tail -n 1 "$work/forge.speeds") MiB/s, nginx $(tail -n 1 "$work/nginx.speeds") MiB/s"
done
forge_med="$(median <"$work/forge.speeds")"
nginx_med="$(median <"$work/nginx.speeds")"
forge_range="$(sort -g "$work/forge.speeds" | sed -n '1p;$p' | paste -sd '-')"
nginx_range="$(sort -g "$work/nginx.speeds" | sed -n '1p;$p' | paste -sd '-')"
ratio_dl="$(awk -v a="$forge_med" -v b="$nginx_med" 'BEGIN {printf "%.2f", a / b}')"
gib_sent="$(awk -v n="$ROUNDS" -v b="$bytes" 'BEGIN {print n * b / 1073741824}')"
cpu_per_gib() { awk -v t="${cpu_ticks_total[$1]}" -v hz="$clk_tck" -v g="$gib_sent" 'BEGIN {printf "%.2f", t / hz / g}'; }
forge_cpu="$(cpu_per_gib forge)"
nginx_cpu="$(cpu_per_gib nginx)"

# ------------------------------------------------------------------------------------------ 4. HEAD latency
printf 'wrk.method = "HEAD"\n' >"$work/head.lua"
wrk_requests() { awk '/ requests in / {print $1}' "$1"; }

log "probing whether this wrk completes HEAD requests (1 s)"
wrk -t1 -c1 -d1s -s "$work/head.lua" "$nginx_url" >"$work/probe.txt" 2>&1 || true
if [ "$(wrk_requests "$work/probe.txt")" -gt 0 ] 2>/dev/null; then
  head_mode="HEAD"
  cp "$work/head.lua" "$work/forge.lua"
  cp "$work/head.lua" "$work/nginx.lua"
else
  head_mode="conditional GET (If-None-Match, 304)"
  warn "wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') completed 0 HEAD requests in 1 s (it waits for the Content-Length bytes of body a HEAD response never has; wg/wrk issue 198): measuring GET with If-None-Match (304, no body) under load instead, and real HEAD serially with curl"
  for s in forge nginx; do
    etag_var="${s}_etag"
    [ -n "${!etag_var}" ] || die "$s sent no ETag, so no conditional GET can be made"
    printf 'wrk.method = "GET"\nwrk.headers["If-None-Match"] = %s\n' "'${!etag_var}'" >"$work/$s.lua"
  done
  for s in forge nginx; do
    url_var="${s}_url"
    etag_var="${s}_etag"
    curl -s -o /dev/null -D "$work/$s.304" -H "If-None-Match: ${!etag_var}" "${!url_var}"
    head -n 1 "$work/$s.304" | grep -q ' 304' || die "$s answered the conditional GET with: $(head -n 1 "$work/$s.304")"
    cl="$(header "$work/$s.304" Content-Length)"
    if [ -n "$cl" ] && [ "$cl" != "$bytes" ]; then
      warn "$s sends 'Content-Length: $cl' on 304 (RFC 9110 8.6: on a 304 it may only be the selected representation's length, $bytes; better omitted)"
    fi
  done
fi

run_wrk() { # NAME URL SECONDS OUT
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$3s" --latency -s "$work/$1.lua" "$2" >"$4" 2>&1 || die "wrk against $1 failed: $(cat "$4")"
}
declare -A p50 p99 rps cpu_us
for s in forge nginx; do
  url_var="${s}_url"
  if [ "$s" = forge ]; then pid="$forge_pid"; else pid="$nginx_worker"; fi
  if [ "$WARMUP" -gt 0 ]; then
    log "wrk warm-up against $s (${WARMUP}s; a fresh JVM needs tens of thousands of requests before its JIT settles)"
    run_wrk "$s" "${!url_var}" "$WARMUP" "$work/$s.wrk-warm"
  fi
  log "wrk against $s (${DURATION}s, $head_mode)"
  t0=$(cpu_ticks "$pid")
  run_wrk "$s" "${!url_var}" "$DURATION" "$work/$s.wrk"
  t1=$(cpu_ticks "$pid")
  sed 's/^/    /' "$work/$s.wrk" >&2
  n="$(wrk_requests "$work/$s.wrk")"
  [ "$n" -gt 0 ] 2>/dev/null || die "wrk completed no request against $s"
  cpu_us[$s]="$(awk -v t=$((t1 - t0)) -v hz="$clk_tck" -v n="$n" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')"
  p50[$s]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/$s.wrk")")"
  p99[$s]="$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/$s.wrk")")"
  rps[$s]="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/$s.wrk")"
  if grep -q 'Non-2xx or 3xx responses' "$work/$s.wrk"; then warn "$s: $(grep 'Non-2xx or 3xx responses' "$work/$s.wrk")"; fi
  if grep -q 'Socket errors' "$work/$s.wrk"; then warn "$s: $(grep 'Socket errors' "$work/$s.wrk")"; fi
done
ratio_rps="$(awk -v a="${rps[forge]}" -v b="${rps[nginx]}" 'BEGIN {printf "%.2f", a / b}')"

log "serial HEAD with curl: $HEAD_SERIAL requests on one kept-alive connection to each"
declare -A s50 s99
for s in forge nginx; do
  url_var="${s}_url"
  args=()
  for _ in $(seq 1 "$HEAD_SERIAL"); do args+=(-o /dev/null "${!url_var}"); done
  curl -s -f -I -w '%{time_total} %{http_code} %{num_connects}\n' "${args[@]}" >"$work/$s.serial" \
    || die "serial HEAD against $s failed"
  [ "$(awk '$2 != 200' "$work/$s.serial" | wc -l)" = 0 ] || warn "$s: $(awk '$2 != 200' "$work/$s.serial" | wc -l) serial HEADs were not 200"
  conns="$(awk '{c += $3} END {print c}' "$work/$s.serial")"
  [ "$conns" = 1 ] || warn "$s: curl opened $conns connections for $HEAD_SERIAL serial HEADs (keep-alive not kept)"
  s50[$s]="$(awk '{printf "%.3f\n", $1 * 1000}' "$work/$s.serial" | percentile 50)"
  s99[$s]="$(awk '{printf "%.3f\n", $1 * 1000}' "$work/$s.serial" | percentile 99)"
done

# Real HEAD under load: ApacheBench does HEAD (-i) with keep-alive (-k) and reports percentiles.
declare -A ab50 ab99 abrps
if command -v ab >/dev/null; then
  AB_REQUESTS="${AB_REQUESTS:-200000}"
  for s in forge nginx; do
    url_var="${s}_url"
    log "ab -i -k -c${WRK_CONNS} -n${AB_REQUESTS} against $s (real HEAD, after a 20000-request warm-up)"
    ab -i -k -c"$WRK_CONNS" -n 20000 "${!url_var}" >/dev/null 2>&1 || true
    ab -i -k -c"$WRK_CONNS" -n "$AB_REQUESTS" "${!url_var}" >"$work/$s.ab" 2>&1 || die "ab against $s failed: $(tail -3 "$work/$s.ab")"
    failed="$(awk '/^Failed requests:/ {print $3}' "$work/$s.ab")"
    [ "${failed:-0}" = 0 ] || warn "$s: ab counted $failed failed HEAD requests"
    ab50[$s]="$(awk '$1 == "50%" {print $2}' "$work/$s.ab")"
    ab99[$s]="$(awk '$1 == "99%" {print $2}' "$work/$s.ab")"
    abrps[$s]="$(awk '/^Requests per second:/ {printf "%.0f", $4}' "$work/$s.ab")"
  done
else
  warn "ab (apache2-utils) not installed: no real-HEAD-under-load figures"
fi

# ------------------------------------------------------------------------------------------ 5. report
cpu_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
java_version="$("${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" -version 2>&1 | awk -F'"' 'NR == 1 {print $2}')"
nginx_version="$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')"
forge_rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain -- src pom.xml 2>/dev/null)" ] || forge_rev="$forge_rev+local changes"
if [ "$head_mode" = HEAD ]; then load_label="HEAD"; else load_label="GET If-None-Match → 304"; fi

cat <<EOF

### Download: one ${SIZE_MIB} MiB LFS file, Forge vs nginx (bench/download.sh)

Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs (${cpu_model}), kernel $(uname -r); Forge ${forge_rev} on Java ${java_version} (G1, as \`./forge\` starts it, \`FORGE_ACCESS_LOG=WARN\`); nginx ${nginx_version} with 1 worker, \`sendfile on; tcp_nopush on; access_log off\`; curl $(curl --version | awk 'NR == 1 {print $2}'), wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}').
Loopback, file in page cache, both servers reading the same blob (hard link), client and servers sharing the CPUs.
Downloads: ${ROUNDS} rounds of \`curl -s -o /dev/null\`, forge and nginx interleaved, after one sha256-checked warm-up each; push of the file with git-lfs took ${push_s} s.

| Server | GET MiB/s, median of ${ROUNDS} (min-max) | server CPU s per GiB sent | ${load_label} p50 ms | p99 ms | req/s (wrk -t${WRK_THREADS} -c${WRK_CONNS} -d${DURATION}s after ${WARMUP}s warm-up) | server CPU µs per request | serial HEAD p50 / p99 ms (curl, ${HEAD_SERIAL} on 1 connection) |
|---|---|---|---|---|---|---|---|
| Forge \`/resolve/main/${FILE_NAME}\` | ${forge_med} (${forge_range}) | ${forge_cpu} | ${p50[forge]} | ${p99[forge]} | ${rps[forge]} | ${cpu_us[forge]} | ${s50[forge]} / ${s99[forge]} |
| nginx static file | ${nginx_med} (${nginx_range}) | ${nginx_cpu} | ${p50[nginx]} | ${p99[nginx]} | ${rps[nginx]} | ${cpu_us[nginx]} | ${s50[nginx]} / ${s99[nginx]} |
| **Forge / nginx** | **${ratio_dl}** | | | | **${ratio_rps}** | | |

Real \`HEAD\` at ${WRK_CONNS} concurrent keep-alive connections (\`ab -i -k -c${WRK_CONNS} -n${AB_REQUESTS:-0}\`, after 20 000 warm-up requests):

| Server | HEAD p50 ms | HEAD p99 ms | req/s |
|---|---|---|---|
| Forge | ${ab50[forge]:-n/a} | ${ab99[forge]:-n/a} | ${abrps[forge]:-n/a} |
| nginx | ${ab50[nginx]:-n/a} | ${ab99[nginx]:-n/a} | ${abrps[nginx]:-n/a} |
EOF
if [ "$head_mode" != HEAD ]; then
  cat <<EOF

The loaded latency columns are a conditional GET answered 304 without a body, not HEAD: wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') cannot finish a HEAD response that carries Content-Length (wg/wrk#198). In Forge both go through the same path (index lookup, headers, no body). The last column is real HEAD.
EOF
fi
if [ "${#problems[@]}" -gt 0 ]; then
  printf '\nProblems seen during the run:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
fi

#!/usr/bin/env bash
# bench/dedup-throughput.sh: the chunk store's ingest, whole-file download and ranged reads, each as a ratio to a
# yardstick measured in the same run on this machine, over loopback.
#
# What it measures (Forge started with FORGE_STORAGE=chunks over a fresh temp data folder):
#   (1) ingest: LFS batch + ONE `curl -T` basic PUT of a SIZE_MIB MiB file of fresh random bytes (so nothing
#       deduplicates: every chunk is hashed, indexed and written to a pack, the whole file's SHA-256 is verified,
#       packs and manifest are fsynced), timed from the batch request to the PUT's 200, against `cp src dest &&
#       sha256sum dest` of the same file. ROUNDS rounds, each with a new random file (made untimed, so it is in
#       the page cache for both), the order alternating.
#   (2) whole-file download: `curl -o /dev/null` of /admin/bench/resolve/main/model.bin (the last ingested file,
#       read from its packs) against nginx (1 worker, sendfile on) serving a plain copy of the same bytes; both
#       warm in the page cache; ROUNDS rounds interleaved.
#   (3) random 1 MiB ranged reads: wrk -t1 -c4 for DURATION s, every request `Range: bytes=a-(a+1 MiB-1)` with `a`
#       uniformly random (same seed for both servers), against the same two servers; reported MiB/s = 206
#       answers/s × 1 MiB.
#   Reported: medians (min-max) and the ratios forge/yardstick. Goals (issue 5): ingest ≥ 0.6×, download ≥ 0.9×,
#   ranges ≥ 0.8×.
# Run:   bench/dedup-throughput.sh            SIZE_MIB=256 ROUNDS=1 DURATION=5 bench/dedup-throughput.sh (a trial)
# Knobs: SIZE_MIB (1024), ROUNDS (3), DURATION (10), FORGE_BUILD_DIR, TMPDIR (needs ~ (ROUNDS + 3) x SIZE_MIB free).
# Needs: JDK 25, curl, jq, nginx, wrk, sha256sum, ss, awk. Client and servers share the CPUs; on a 2-vCPU machine
#   treat absolute numbers as +-30 % and read the ratios.
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
PART_MIB="${PART_MIB:-64}"   # the server's multipart part size (FORGE_MULTIPART_CHUNK_BYTES default)
PARALLEL="${PARALLEL:-2}"    # multipart parts in flight
NGINX="${NGINX:-nginx}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-dedup-throughput
. "$root/bench/lib.sh"
for tool in curl jq "$NGINX" wrk sha256sum ss awk sort; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
bench_init
export FORGE_STORAGE="${FORGE_STORAGE:-chunks}"
start_forge
bytes=$((SIZE_MIB * 1048576))
src="$work/src.bin"

upload_batch() { # SHA TRANSFERS_JSON -> the upload batch's object for a new object of $bytes bytes
  curl -sS -f -u "admin:$token" -H 'Accept: application/vnd.git-lfs+json' -H 'Content-Type: application/vnd.git-lfs+json' \
    -d "$(jq -nc --arg oid "$1" --argjson size "$bytes" --argjson t "$2" '{operation: "upload", transfers: $t, objects: [{oid: $oid, size: $size}]}')" \
    "$forge_base/admin/bench.git/info/lfs/objects/batch" | jq -c '.objects[0]' || die "batch failed"
}

batch_put() { # SHA -> PUTs $src through a fresh upload batch
  local href
  href="$(upload_batch "$1" '["basic"]' | jq -r '.actions.upload.href')"
  [ "$href" != null ] || die "no upload action for $1"
  curl -sS -f -o /dev/null -T "$src" "$href" || die "PUT failed"
}

: >"$work/ingest.s"; : >"$work/copy.s"; : >"$work/multipart.s"; : >"$work/complete.s"
mp="$work/mp.bin"
for r in $(seq 1 "$ROUNDS"); do
  log "round $r: making $SIZE_MIB MiB of fresh random bytes (untimed)"
  head -c "$bytes" /dev/urandom >"$src"
  sha="$(sha256sum "$src" | awk '{print $1}')"
  sync
  if [ $((r % 2)) = 1 ]; then order="forge copy"; else order="copy forge"; fi
  for s in $order; do
    t0=$(date +%s%N)
    if [ "$s" = forge ]; then batch_put "$sha"; else cp "$src" "$work/copy.bin" && sha256sum "$work/copy.bin" >/dev/null; fi
    t1=$(date +%s%N)
    awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/$([ "$s" = forge ] && echo ingest || echo copy).s"
    rm -f "$work/copy.bin"
    sync
  done
  log "round $r ($order): forge $(tail -n 1 "$work/ingest.s") MiB/s, cp+sha256sum $(tail -n 1 "$work/copy.s") MiB/s"
  log "round $r: multipart, another $SIZE_MIB MiB of fresh random bytes cut into ${PART_MIB} MiB parts (untimed)"
  head -c "$bytes" /dev/urandom >"$mp"
  mp_sha="$(sha256sum "$mp" | awk '{print $1}')"
  rm -rf "$work/parts"; mkdir -p "$work/parts"; split -a 5 -d -b "${PART_MIB}M" "$mp" "$work/parts/p"
  sync
  t0=$(date +%s%N); multipart_send "$(upload_batch "$mp_sha" '["basic", "multipart"]')" "$mp_sha"; t1=$(date +%s%N)
  awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/multipart.s"
  cat "$work/complete.t" >>"$work/complete.s"
  log "round $r: multipart $(tail -n 1 "$work/multipart.s") MiB/s, of which the completion POST took $(tail -n 1 "$work/complete.s") s"
done
rm -rf "$work/parts"
log "committing the last file as admin/bench model.bin"
curl -sS -f -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' --data-binary @- \
  "$forge_base/api/models/admin/bench/commit/main" >/dev/null <<NDJSON || die "commit failed"
{"key":"header","value":{"summary":"bench","description":""}}
{"key":"lfsFile","value":{"path":"model.bin","algo":"sha256","oid":"$sha","size":$bytes}}
{"key":"lfsFile","value":{"path":"multipart.bin","algo":"sha256","oid":"$mp_sha","size":$bytes}}
NDJSON
got="$(curl -s -f "$forge_base/admin/bench/resolve/main/multipart.bin" | sha256sum | awk '{print $1}')"
[ "$got" = "$mp_sha" ] || die "the last multipart upload reads back with sha256 $got, expected $mp_sha"
rm -f "$mp"

start_nginx "$src" model.bin
rm -f "$src"
forge_url="$forge_base/admin/bench/resolve/main/model.bin"
for s in forge nginx; do
  u="${s}_url"
  got="$(curl -s -f "${!u}" | sha256sum | awk '{print $1}')"
  [ "$got" = "$sha" ] || die "$s served bytes with sha256 $got, expected $sha"
  code="$(curl -s -o /dev/null -w '%{http_code}' -r 1000-1048575999 "${!u}")"
  [ "$code" = 206 ] || die "$s answered $code to a range"
done

: >"$work/forge.dl"; : >"$work/nginx.dl"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="forge nginx"; else order="nginx forge"; fi
  for s in $order; do
    u="${s}_url"
    out="$(curl -s -f -o /dev/null -w '%{speed_download} %{size_download}' "${!u}")" || die "$s download failed"
    read -r speed size <<<"$out"
    [ "$size" = "$bytes" ] || die "$s sent $size bytes"
    awk -v s="$speed" 'BEGIN {printf "%.1f\n", s / 1048576}' >>"$work/$s.dl"
  done
  log "download round $r: forge $(tail -n 1 "$work/forge.dl") MiB/s, nginx $(tail -n 1 "$work/nginx.dl") MiB/s"
done

cat >"$work/range.lua" <<LUA
math.randomseed(42)
request = function()
  local a = math.random(0, $bytes - 1048576)
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. a .. "-" .. (a + 1048575)})
end
LUA
declare -A rps
for s in forge nginx; do
  u="${s}_url"
  log "ranged reads against $s (${DURATION}s after a 3 s warm-up)"
  wrk -t1 -c4 -d3s -s "$work/range.lua" "${!u}" >/dev/null 2>&1 || true
  wrk -t1 -c4 -d"${DURATION}s" -s "$work/range.lua" "${!u}" >"$work/$s.wrk" 2>&1 || die "wrk failed: $(cat "$work/$s.wrk")"
  if grep -q 'Non-2xx' "$work/$s.wrk"; then die "$s: non-2xx answers to ranges: $(grep Non-2xx "$work/$s.wrk")"; fi
  rps[$s]="$(awk '/^Requests\/sec/ {print $2}' "$work/$s.wrk")"
done

stats() { printf '%s (%s)' "$(median <"$1")" "$(sort -g "$1" | sed -n '1p;$p' | paste -sd '-')"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
forge_rev="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
cat <<MD
Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r); Forge ${forge_rev} on the chunk store; nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), 1 worker, sendfile; file ${SIZE_MIB} MiB of random bytes; ${ROUNDS} rounds; wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') -t1 -c4 -d${DURATION}s.

| What | Forge (chunk store) MiB/s | yardstick MiB/s | ratio | goal |
|---|---|---|---|---|
| ingest: LFS batch + basic PUT vs \`cp && sha256sum\` | $(stats "$work/ingest.s") | $(stats "$work/copy.s") | **$(ratio "$(median <"$work/ingest.s")" "$(median <"$work/copy.s")")** | ≥ 0.6 |
| ingest: LFS batch + multipart (${PART_MIB} MiB parts, ${PARALLEL} at a time) + completion vs \`cp && sha256sum\`; completion POST $(stats "$work/complete.s") s | $(stats "$work/multipart.s") | $(stats "$work/copy.s") | **$(ratio "$(median <"$work/multipart.s")" "$(median <"$work/copy.s")")** | ≥ 0.6 |
| whole-file download vs nginx | $(stats "$work/forge.dl") | $(stats "$work/nginx.dl") | **$(ratio "$(median <"$work/forge.dl")" "$(median <"$work/nginx.dl")")** | ≥ 0.9 |
| random 1 MiB ranges (206), 4 connections, vs nginx | ${rps[forge]} | ${rps[nginx]} | **$(ratio "${rps[forge]}" "${rps[nginx]}")** | ≥ 0.8 |
MD
if [ "${#problems[@]}" -gt 0 ]; then printf '\nProblems seen during the run:\n' >&2; printf ' - %s\n' "${problems[@]}" >&2; fi

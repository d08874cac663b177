#!/usr/bin/env bash
# bench/upload.sh: how fast Forge takes in one large LFS object, compared with copying and hashing the same bytes.
#
# What it measures, in one run on this machine, over loopback (127.0.0.1), ROUNDS times each, interleaved (the
# order rotates every round so all three share the machine's noise):
#   (a) basic:     POST the LFS upload batch (transfers ["basic"]), then ONE `curl -T <file> <href>` of the whole object
#                  to the self-authorising href it answers. Timed from the batch request to the PUT's 200.
#   (b) multipart: POST the batch with transfers ["basic","multipart"]; it answers chunk_size and one part URL per
#                  chunk ("1","2",...); PUT every part with curl, PARALLEL (1 or 2) at a time, collecting the ETags; then
#                  POST the completion {"oid","parts":[{"partNumber","etag"}...]} to the upload href; parts are written in place at their
#                  offsets, so completion verifies the SHA-256 and renames the object into the store. Timed from the batch request to the
#                  completion's 200.
#   (c) yardstick: `cp <file> <dest> && sha256sum <dest>` into the same temp folder (same disk, same file system):
#                  the least a server that stores and verifies the bytes has to do. Note that cp does not fsync, while
#                  Forge fsyncs every object (and, in multipart, every part too): a second yardstick row,
#                  `cp && sync <dest> && sha256sum <dest>`, shows what the fsync costs here.
#   MiB/s = SIZE_MIB / seconds; reported: medians (min-max), the ratios forge / yardstick (c), and Forge's CPU time
#   (utime+stime from /proc/PID/stat) per GiB taken in.
#
# Distinct objects: an upload batch for an object the repository already has (stored and referable) answers no
#   action, so every upload must be a new object. The source file is SIZE_MIB MiB: SIZE_MIB MiB - 8 bytes from
#   /dev/urandom, created once, followed by an 8-byte suffix that is rewritten (truncate + append) before every
#   upload, e.g. "r002basc". Only the last page changes, so the file stays in the page cache, and its SHA-256 (the
#   oid) is computed again (untimed). For multipart the object is cut into part files once (untimed; only the last
#   part, which holds the suffix, is cut again per upload). The yardstick copies the same file. The source file and
#   the part files are in the page cache for every measurement (the script creates or reads them just before; with
#   fincore available it prints how much of the source file is resident before each measurement). After every
#   upload the stored blob (DATA/blobs/ab/cd/<oid>) is checked (size and sha256sum, untimed) and then deleted, so
#   disk use stays bounded; nothing references it. `sync` runs before every measurement so that earlier writes
#   are not flushed during it.
#
# Steps: build if needed (./forge's launcher), start `FORGE_ACCESS_LOG=WARN ./forge serve --port P --data D` on a
#   free loopback port over a fresh temp data folder (the admin token is taken from its first-start message),
#   create admin/bench, measure, print a Markdown fragment for docs/benchmarks.md. The server is stopped (by PID)
#   and the temp folder removed in a trap on EXIT.
#
# Run (from anywhere):
#     bench/upload.sh
#     SIZE_MIB=128 ROUNDS=1 bench/upload.sh      # a quick trial
# Knobs (environment): SIZE_MIB (object size in MiB, default 1024; must exceed the 64 MiB multipart threshold),
#   ROUNDS (3), PARALLEL (parts uploaded at once, 1 or 2; default 2), TMPDIR (where the temp folder goes; it needs
#   about 5 x SIZE_MIB free), FORGE_BUILD_DIR (passed to ./forge: its build output folder, default ./target).
# Needs: JDK 25, curl, jq, sha256sum, ss, awk, truncate, split, xargs (fincore optional). Client and server share the
#   CPUs; on a 2-vCPU machine treat absolute numbers as +-30% and read the ratios.
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
PARALLEL="${PARALLEL:-2}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

work_name=forge-upload-bench
. "$root/bench/lib.sh"

for tool in curl jq sha256sum ss awk sort truncate split xargs tail stat; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "SIZE_MIB and ROUNDS must be positive integers"
[[ "$PARALLEL" = 1 || "$PARALLEL" = 2 ]] || die "PARALLEL must be 1 or 2"
[ "$SIZE_MIB" -gt 64 ] || die "SIZE_MIB must exceed 64: Forge offers multipart only above its 64 MiB threshold"
bytes=$((SIZE_MIB * 1024 * 1024))

bench_init

# ------------------------------------------------------------------------------------------ helpers
now_ns() { date +%s%N; }

resident() { # FILE -> "NN%" of it in the page cache (needs fincore), or "?"
  local res
  if command -v fincore >/dev/null && res="$(fincore -b -n -o RES "$1" 2>/dev/null)"; then
    awk -v r="$res" -v s="$(stat -c %s "$1")" 'BEGIN {printf "%.0f%%", 100 * r / s}'
  else
    echo "?"
  fi
}

# ------------------------------------------------------------------------------------------ 1. Forge
log "work dir $work; object ${SIZE_MIB} MiB, ${ROUNDS} rounds, parts ${PARALLEL} at a time"
# This script reads the plain store's files (DATA/blobs/...) directly, so it runs Forge on the plain store
# (FORGE_STORAGE=plain); bench/dedup-throughput.sh measures the default chunk store against the same yardsticks.
export FORGE_STORAGE=plain
start_forge
base="$forge_base"

LFS='application/vnd.git-lfs+json'
batch() { # OID TRANSFERS_JSON -> the batch response's single object (JSON)
  local body
  body="$(jq -cn --arg oid "$1" --argjson size "$bytes" --argjson t "$2" \
    '{operation: "upload", transfers: $t, ref: {name: "refs/heads/main"}, objects: [{oid: $oid, size: $size}], hash_algo: "sha256"}')"
  curl -sS -f -X POST -H "Authorization: Bearer $token" -H "Content-Type: $LFS" -H "Accept: $LFS" \
    --data-binary "$body" "$base/admin/bench.git/info/lfs/objects/batch" | jq -c '.objects[0]'
}

# ------------------------------------------------------------------------------------------ 2. the source file
src="$work/object.bin"
log "writing ${SIZE_MIB} MiB from /dev/urandom (once)"
head -c $((bytes - 8)) /dev/urandom >"$src"
printf '%s' 'r000init' >>"$src"
[ "$(stat -c %s "$src")" = "$bytes" ] || die "the source file has $(stat -c %s "$src") bytes, not $bytes"

# the server's chunk size, from a batch for an object nobody has (nothing is uploaded)
probe="$(batch "$(printf '0%.0s' $(seq 1 64))" '["basic","multipart"]')"
chunk="$(jq -r '.actions.upload.header.chunk_size // empty' <<<"$probe")"
[ -n "$chunk" ] || die "the batch offered no multipart upload for ${SIZE_MIB} MiB: $probe"
nparts=$(( (bytes + chunk - 1) / chunk ))
last_len=$(( bytes - (nparts - 1) * chunk ))
log "multipart: chunk $chunk bytes, $nparts parts; cutting the part files (untimed)"
mkdir -p "$work/parts"
split -a 5 -d -b "$chunk" "$src" "$work/parts/p"   # p00000, p00001, ...
part_file() { printf '%s/parts/p%05d' "$work" $(( $1 - 1 )); }

set_suffix() { # SUFFIX (8 chars): rewrite the last 8 bytes of the source file (and the last part file)
  [ "${#1}" = 8 ] || die "suffix '$1' is not 8 bytes"
  truncate -s $((bytes - 8)) "$src"
  printf '%s' "$1" >>"$src"
  tail -c "$last_len" "$src" >"$(part_file "$nparts")"
}

blob_of() { printf '%s/data/blobs/%s/%s/%s' "$work" "${1:0:2}" "${1:2:2}" "$1"; }

check_and_drop_blob() { # OID NAME: the stored blob has the bytes; then delete it (nothing references it)
  local blob got
  blob="$(blob_of "$1")"
  [ -f "$blob" ] || die "$2: no blob at $blob after a successful upload"
  [ "$(stat -c %s "$blob")" = "$bytes" ] || die "$2: the stored blob has $(stat -c %s "$blob") bytes, not $bytes"
  got="$(sha256sum "$blob" | awk '{print $1}')"
  [ "$got" = "$1" ] || die "$2: the stored blob hashes to $got, not $1"
  [ "$(batch "$1" '["basic"]' | jq 'has("actions")')" = false ] || die "$2: the batch still asks for the upload of $1"
  rm -f "$blob"
}

# ------------------------------------------------------------------------------------------ 3. the three ways
: >"$work/basic.s"; : >"$work/multipart.s"; : >"$work/yardstick.s"; : >"$work/yardstick_sync.s"
declare -A cpu_ticks_total=([basic]=0 [multipart]=0)
residency=()

measure_basic() { # ROUND
  local oid obj href t0 t1 c0 c1 code
  set_suffix "$(printf 'r%03dbasc' "$1")"
  oid="$(sha256sum "$src" | awk '{print $1}')"
  sync
  residency+=("$(resident "$src")")
  c0=$(cpu_ticks "$forge_pid"); t0=$(now_ns)
  obj="$(batch "$oid" '["basic"]')"
  href="$(jq -r '.actions.upload.href // empty' <<<"$obj")"
  [ -n "$href" ] || die "basic: the batch offered no upload for a new object: $obj"
  code="$(curl -sS -o "$work/put.out" -w '%{http_code}' -T "$src" "$href")" || die "basic: curl failed"
  t1=$(now_ns); c1=$(cpu_ticks "$forge_pid")
  [ "$code" = 200 ] || die "basic: PUT answered $code: $(cat "$work/put.out")"
  cpu_ticks_total[basic]=$(( ${cpu_ticks_total[basic]} + c1 - c0 ))
  awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/basic.s"
  check_and_drop_blob "$oid" basic
}

measure_multipart() { # ROUND
  local oid obj t0 t1 c0 c1
  set_suffix "$(printf 'r%03dmult' "$1")"
  oid="$(sha256sum "$src" | awk '{print $1}')"
  sync
  residency+=("$(resident "$src")")
  c0=$(cpu_ticks "$forge_pid"); t0=$(now_ns)
  obj="$(batch "$oid" '["basic","multipart"]')"
  [ "$(jq -r '.actions.upload.header.chunk_size' <<<"$obj")" = "$chunk" ] || die "multipart: the chunk size changed: $obj"
  multipart_send "$obj" "$oid"
  t1=$(now_ns); c1=$(cpu_ticks "$forge_pid")
  cpu_ticks_total[multipart]=$(( ${cpu_ticks_total[multipart]} + c1 - c0 ))
  awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/multipart.s"
  check_and_drop_blob "$oid" multipart
}

measure_yardstick() { # ROUND
  local t0 t1 dest="$work/copy.bin"
  set_suffix "$(printf 'r%03dcopy' "$1")"
  sync
  residency+=("$(resident "$src")")
  t0=$(now_ns)
  cp "$src" "$dest" && sha256sum "$dest" >/dev/null
  t1=$(now_ns)
  awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/yardstick.s"
  rm -f "$dest"
  sync
  t0=$(now_ns)
  cp "$src" "$dest" && sync "$dest" && sha256sum "$dest" >/dev/null
  t1=$(now_ns)
  awk -v n="$SIZE_MIB" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f\n", n / (ns / 1e9)}' >>"$work/yardstick_sync.s"
  rm -f "$dest"
}

log "warm-up: one unmeasured upload each way (JIT, connection set-up), then $ROUNDS measured rounds"
measure_basic 0; measure_multipart 0
: >"$work/basic.s"; : >"$work/multipart.s"; cpu_ticks_total=([basic]=0 [multipart]=0); residency=()

ways=(basic multipart yardstick)
for r in $(seq 1 "$ROUNDS"); do
  order=()
  for i in 0 1 2; do order+=("${ways[$(( (i + r - 1) % 3 ))]}"); done
  for w in "${order[@]}"; do "measure_$w" "$r"; done
  log "round $r/$ROUNDS (${order[*]}): basic $(tail -n 1 "$work/basic.s"), multipart $(tail -n 1 "$work/multipart.s"), cp+sha256sum $(tail -n 1 "$work/yardstick.s") (with sync $(tail -n 1 "$work/yardstick_sync.s")) MiB/s"
done

# ------------------------------------------------------------------------------------------ 4. report
stats() { # NAME -> "median (min-max)"
  printf '%s (%s)' "$(median <"$work/$1.s")" "$(sort -g "$work/$1.s" | sed -n '1p;$p' | paste -sd '-')"
}
med() { median <"$work/$1.s"; }
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN {printf "%.2f", a / b}'; }
clk_tck="$(getconf CLK_TCK)"
gib_in="$(awk -v n="$ROUNDS" -v b="$bytes" 'BEGIN {print n * b / 1073741824}')"
cpu_per_gib() { awk -v t="${cpu_ticks_total[$1]}" -v hz="$clk_tck" -v g="$gib_in" 'BEGIN {printf "%.2f", t / hz / g}'; }
if [ "${#residency[@]}" -gt 0 ] && ! printf '%s\n' "${residency[@]}" | grep -q '?'; then
  res_range="$(printf '%s\n' "${residency[@]}" | tr -d '%' | sort -g | sed -n '1p;$p' | paste -sd '-')%"
else
  res_range="not measured (no fincore)"
fi
cpu_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
java_version="$("${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" -version 2>&1 | awk -F'"' 'NR == 1 {print $2}')"
forge_rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain -- src pom.xml 2>/dev/null)" ] || forge_rev="$forge_rev+local changes"
fs_type="$(stat -f -c %T "$work")"
chunk_mib="$(awk -v c="$chunk" 'BEGIN {printf "%g", c / 1048576}')"

cat <<EOF

### Upload: one ${SIZE_MIB} MiB LFS object, Forge vs copy-and-hash (bench/upload.sh)

Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) vCPUs (${cpu_model}), kernel $(uname -r), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, temp folder on ${fs_type}; Forge ${forge_rev} on Java ${java_version} (G1, as \`./forge\` starts it, \`FORGE_ACCESS_LOG=WARN\`); curl $(curl --version | awk 'NR == 1 {print $2}').
Loopback; ${ROUNDS} rounds, the three ways interleaved (order rotating), after one unmeasured upload each way. Every upload is a new object (the source file's last 8 bytes change per upload); the source file (and the part files) are in the page cache (resident before the measurements: ${res_range}), and each stored blob is checked by size and sha256sum afterwards (untimed). Forge fsyncs what it stores; \`cp\` does not, hence the second yardstick row. Forge's times include the batch request (and, for multipart, the completion, which hashes the staged object (its parts were written in place) and renames it into the store).

| Way | MiB/s, median of ${ROUNDS} (min-max) | Forge / (c) | Forge CPU s per GiB |
|---|---|---|---|
| (a) basic: batch + one \`curl -T\` PUT | $(stats basic) | **$(ratio basic yardstick)** | $(cpu_per_gib basic) |
| (b) multipart: batch + ${nparts} parts of ${chunk_mib} MiB (${PARALLEL} at a time) + completion | $(stats multipart) | **$(ratio multipart yardstick)** | $(cpu_per_gib multipart) |
| (c) yardstick: \`cp && sha256sum\`, same disk | $(stats yardstick) | 1.00 | |
| (c') \`cp && sync dest && sha256sum\` | $(stats yardstick_sync) | ($(ratio yardstick_sync yardstick)) | |
EOF
if [ "${#problems[@]}" -gt 0 ]; then
  printf '\nProblems seen during the run:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
fi

#!/usr/bin/env bash
# bench/xet.sh: the Xet protocol against its yardsticks, in one run on this machine, over loopback (127.0.0.1).
#
#   (a) Upload of one SIZE_MIB file with huggingface_hub 2.x + hf_xet (default settings: the Xet path) against the same
#       client uploading a file of the same size through the LFS path (HF_HUB_DISABLE_XET=1: preupload, LFS batch,
#       multipart PUTs). Two different random files, so neither upload deduplicates against the other. Wall time of
#       `upload_file` as the client measures it (time.perf_counter around the call), MiB/s and the ratio.
#   (b) Download of the Xet-uploaded file: hf_xet (`hf_hub_download` with a fresh HF_HOME each round) against curl on
#       plain /resolve (the same bytes, from the same chunk store) and nginx (1 worker, sendfile) serving a copy of the
#       same bytes from a plain file. ROUNDS rounds, interleaved; every download checked by SHA-256 once and by size
#       always. Median MiB/s and the ratios to nginx.
#   (c) Bytes on the wire for a client that already holds a base model and downloads a fine-tune that changed 25% of
#       its tensors: the base is TENSORS tensors of TENSOR_MIB random MiB each (a safetensors-like file with a JSON
#       header), the fine-tune replaces every 4th tensor with new random bytes. Both uploaded with hf_xet. A client
#       (fresh HF_HOME, hf_xet's chunk cache switched on with HF_XET_CHUNK_CACHE_SIZE_BYTES, as a client that keeps what
#       it downloaded) downloads the base, then the fine-tune; the bytes Forge sent while it downloaded the fine-tune
#       are counted from Forge's access log (every response's body bytes: token, HEAD, reconstruction, xorb ranges).
#       Reported against the fine-tune's size (goal <= 35%).
#
# Run (from anywhere):  bench/xet.sh
# Knobs (environment): SIZE_MIB (1024), ROUNDS (3), TENSORS (64), TENSOR_MIB (4), FORGE_PY_ROOT (the client venvs,
#   default target/py; /work/py on the shared machine), TMPDIR (needs ~6x SIZE_MIB free).
# Needs: JDK 25, curl, nginx, sha256sum, ss, awk, the hub2 venv (bin/python-clients.sh).
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
TENSORS="${TENSORS:-64}"
TENSOR_MIB="${TENSOR_MIB:-4}"
PARTS="${PARTS:-abc}"   # which parts to run (a, b, c)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${FORGE_PY_ROOT:-$root/target/py}/hub2/bin/python"
bytes=$((SIZE_MIB * 1024 * 1024))

work_name=forge-bench-xet
. "$root/bench/lib.sh"

for tool in curl nginx sha256sum ss awk sort; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "missing tool: $tool"
done
[ -x "$PY" ] || die "no Python client stack at $PY: run bin/python-clients.sh or set FORGE_PY_ROOT"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

bench_init
export FORGE_ACCESS_LOG=INFO   # (c) counts bytes from the access log
start_forge
export HF_ENDPOINT="$forge_base" HF_TOKEN="$token" HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1 NO_PROXY='*'
unset HF_HUB_DISABLE_XET HF_XET_CHUNK_CACHE_SIZE_BYTES

py() { HF_HOME="$1" "$PY" - "${@:2}"; }

mib_s() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.1f\n", b / 1048576 / s}'; }

# ------------------------------------------------------------------------------------------ (a) upload
if [[ "$PARTS" == *a* || "$PARTS" == *b* ]]; then
log "writing two files of ${SIZE_MIB} MiB of random bytes"
head -c "$bytes" /dev/urandom >"$work/xet.bin"
head -c "$bytes" /dev/urandom >"$work/lfs.bin"
xet_sha="$(sha256sum "$work/xet.bin" | awk '{print $1}')"

upload() { # FILE PATH_IN_REPO [env...] -> seconds
  env "${@:3}" HF_HOME="$work/home-up" "$PY" - "$1" "$2" <<'EOF'
import sys, time
from huggingface_hub import HfApi
t = time.perf_counter()
HfApi().upload_file(path_or_fileobj=sys.argv[1], path_in_repo=sys.argv[2], repo_id="admin/bench")
print(f"{time.perf_counter() - t:.2f}")
EOF
}
log "(a) uploading through the LFS path (HF_HUB_DISABLE_XET=1)"
lfs_up_s="$(upload "$work/lfs.bin" lfs.bin HF_HUB_DISABLE_XET=1)" || die "the LFS upload failed"
log "(a) uploading through hf_xet"
shards_before="$(grep -c 'POST /xet/v1/shards 200' "$work/forge.log" || true)"
xet_up_s="$(upload "$work/xet.bin" xet.bin)" || die "the Xet upload failed"
[ "$(grep -c 'POST /xet/v1/shards 200' "$work/forge.log" || true)" -gt "$shards_before" ] || die "the Xet upload did not reach /xet/v1/shards"
rm -f "$work/lfs.bin"
log "(a) LFS ${lfs_up_s}s, Xet ${xet_up_s}s"

# ------------------------------------------------------------------------------------------ (b) download
start_nginx "$work/xet.bin" xet.bin
resolve_url="$forge_base/admin/bench/resolve/main/xet.bin"
xet_download() { # -> seconds (fresh cache each time)
  rm -rf "$work/home-down"
  py "$work/home-down" <<'EOF'
import time
from huggingface_hub import hf_hub_download
t = time.perf_counter()
p = hf_hub_download("admin/bench", "xet.bin")
print(f"{time.perf_counter() - t:.2f} {p}")
EOF
}
log "(b) checking one download of each by SHA-256"
read -r _ path < <(xet_download) || die "the hf_xet download failed"
[ "$(sha256sum "$path" | awk '{print $1}')" = "$xet_sha" ] || die "hf_xet downloaded other bytes"
[ "$(curl -s -f -H "Authorization: Bearer $token" "$resolve_url" | sha256sum | awk '{print $1}')" = "$xet_sha" ] || die "/resolve served other bytes"
[ "$(curl -s -f "$nginx_url" | sha256sum | awk '{print $1}')" = "$xet_sha" ] || die "nginx served other bytes"
grep -q 'GET /xet/fetch/' "$work/forge.log" || die "hf_xet did not download through xorb ranges"
: >"$work/xet.speeds"; : >"$work/resolve.speeds"; : >"$work/nginx.speeds"
curl_speed() { # URL [header] -> MiB/s
  local out speed size
  out="$(curl -s -f -o /dev/null ${2:+-H "$2"} -w '%{speed_download} %{size_download}' "$1")" || die "download of $1 failed"
  read -r speed size <<<"$out"
  [ "$size" = "$bytes" ] || die "$1 sent $size bytes, expected $bytes"
  awk -v s="$speed" 'BEGIN {printf "%.1f\n", s / 1048576}'
}
for r in $(seq 1 "$ROUNDS"); do
  read -r s path < <(xet_download) || die "the hf_xet download failed"
  [ "$(stat -L -c %s "$path")" = "$bytes" ] || die "hf_xet wrote $(stat -L -c %s "$path") bytes"
  mib_s "$bytes" "$s" >>"$work/xet.speeds"
  curl_speed "$resolve_url" "Authorization: Bearer $token" >>"$work/resolve.speeds"
  curl_speed "$nginx_url" >>"$work/nginx.speeds"
  log "(b) round $r/$ROUNDS: hf_xet $(tail -n 1 "$work/xet.speeds"), /resolve $(tail -n 1 "$work/resolve.speeds"), nginx $(tail -n 1 "$work/nginx.speeds") MiB/s"
done
rm -rf "$work/home-down"
xet_med="$(median <"$work/xet.speeds")"; resolve_med="$(median <"$work/resolve.speeds")"; nginx_med="$(median <"$work/nginx.speeds")"
stop_pid "$nginx_pid" nginx; nginx_pid=""
rm -f "$work/xet.bin" "$work/nginx/www/xet.bin"

fi
# ------------------------------------------------------------------------------------------ (c) fine-tune over a base
if [[ "$PARTS" == *c* ]]; then
log "(c) base: $TENSORS tensors of $TENSOR_MIB MiB; the fine-tune replaces every 4th"
"$PY" - "$work" "$TENSORS" "$TENSOR_MIB" <<'EOF'
import json, os, struct, sys
work, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mib * 1024 * 1024
header = {f"layer.{i}.weight": {"dtype": "F32", "shape": [size // 4], "data_offsets": [i * size, (i + 1) * size]} for i in range(n)}
h = json.dumps(header).encode()
with open(f"{work}/base.safetensors", "wb") as base, open(f"{work}/ft.safetensors", "wb") as ft:
    for f in (base, ft):
        f.write(struct.pack("<Q", len(h))); f.write(h)
    for i in range(n):
        t = os.urandom(size)
        base.write(t)
        ft.write(os.urandom(size) if i % 4 == 3 else t)
EOF
ft_bytes="$(stat -c %s "$work/ft.safetensors")"
py "$work/home-up" "$work" <<'EOF' || die "uploading the base and the fine-tune failed"
import sys
from huggingface_hub import HfApi
api = HfApi()
for repo, f in (("admin/base", "base.safetensors"), ("admin/finetune", "ft.safetensors")):
    api.create_repo(repo, exist_ok=True)
    api.upload_file(path_or_fileobj=f"{sys.argv[1]}/{f}", path_in_repo="model.safetensors", repo_id=repo)
EOF
down() { # REPO -> sha256 of the downloaded file
  HF_XET_CHUNK_CACHE_SIZE_BYTES=10000000000 py "$work/home-client" "$1" <<'EOF'
import hashlib, sys
from huggingface_hub import hf_hub_download
print(hashlib.sha256(open(hf_hub_download(sys.argv[1], "model.safetensors"), "rb").read()).hexdigest())
EOF
}
[ "$(down admin/base)" = "$(sha256sum "$work/base.safetensors" | awk '{print $1}')" ] || die "the base came back different"
sleep 1   # Jetty logs a request after its response completes
mark="$(wc -l <"$work/forge.log")"
[ "$(down admin/finetune)" = "$(sha256sum "$work/ft.safetensors" | awk '{print $1}')" ] || die "the fine-tune came back different"
sleep 1
wire="$(tail -n +"$((mark + 1))" "$work/forge.log" | awk '/ [0-9]+B [0-9]+ms id=/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+B$/) s += substr($i, 1, length($i) - 1) } END {print s + 0}')"
ranges="$(tail -n +"$((mark + 1))" "$work/forge.log" | grep -c 'GET /xet/fetch/' || true)"
pct="$(awk -v a="$wire" -v b="$ft_bytes" 'BEGIN {printf "%.1f", 100 * a / b}')"
log "(c) fine-tune ${ft_bytes} bytes; Forge sent ${wire} bytes (${pct}%) in ${ranges} xorb-range responses"
# (c') what the protocol lets a client that keeps the base's xorb ranges skip: the fine-tune's fetch ranges in xorbs the
# base's reconstruction does not name (hf_xet 1.6.0's XetSession downloads keep no chunk cache: xet-core v1.6.0
# xet_pkg/src/xet_session/file_download_group.rs creates its FileDownloadSession with no cache, so (c) is what it fetches)
new_bytes="$("$PY" - "$forge_base" "$token" <<'EOF2'
import json, sys, urllib.request
base, hub = sys.argv[1], sys.argv[2]
def get(url, token, headers=None):
    r = urllib.request.Request(url, headers={"Authorization": "Bearer " + token, **(headers or {})})
    with urllib.request.urlopen(r) as resp:
        return resp
def rec(repo):
    t = json.load(urllib.request.urlopen(urllib.request.Request(f"{base}/api/models/{repo}/xet-read-token/main", headers={"Authorization": "Bearer " + hub})))
    h = urllib.request.urlopen(urllib.request.Request(f"{base}/{repo}/resolve/main/model.safetensors", method="HEAD", headers={"Authorization": "Bearer " + hub})).headers["X-Xet-Hash"]
    return json.load(urllib.request.urlopen(urllib.request.Request(f"{t['casUrl']}/v1/reconstructions/{h}", headers={"Authorization": "Bearer " + t["accessToken"]})))
b, f = rec("admin/base"), rec("admin/finetune")
held = set(b["fetch_info"])
print(sum(fi["url_range"]["end"] - fi["url_range"]["start"] + 1 for x, fis in f["fetch_info"].items() if x not in held for fi in fis))
EOF2
)" || die "reading the reconstructions failed"
new_pct="$(awk -v a="$new_bytes" -v b="$ft_bytes" 'BEGIN {printf "%.1f", 100 * a / b}')"
log "(c') fetch ranges of the fine-tune outside the base's xorbs: ${new_bytes} bytes (${new_pct}%)"
fi

# ------------------------------------------------------------------------------------------ report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cat <<EOF

### Xet (bench/xet.sh, $(date -u +%Y-%m-%d), ${SIZE_MIB} MiB, ${ROUNDS} rounds, loopback, $(nproc) CPUs)

| | figure | vs reference |
|---|---|---|
EOF
[[ "$PARTS" == *a* || "$PARTS" == *b* ]] && cat <<EOF
| (a) upload, hf_xet (huggingface_hub 2.x default) | ${xet_up_s} s, $(mib_s "$bytes" "$xet_up_s") MiB/s | LFS path (same client, HF_HUB_DISABLE_XET=1): ${lfs_up_s} s, $(mib_s "$bytes" "$lfs_up_s") MiB/s; Xet/LFS time ratio $(ratio "$xet_up_s" "$lfs_up_s") |
| (b) download, hf_xet | ${xet_med} MiB/s (median; $(sort -g "$work/xet.speeds" | paste -sd ' ')) | $(ratio "$xet_med" "$nginx_med") x nginx |
| (b) download, curl /resolve | ${resolve_med} MiB/s ($(sort -g "$work/resolve.speeds" | paste -sd ' ')) | $(ratio "$resolve_med" "$nginx_med") x nginx |
| (b) download, nginx (sendfile, same bytes) | ${nginx_med} MiB/s ($(sort -g "$work/nginx.speeds" | paste -sd ' ')) | 1.00 |
EOF
[[ "$PARTS" == *c* ]] && cat <<EOF
| (c) fine-tune (25% of ${TENSORS} tensors changed) after its base, bytes Forge sent to hf_xet | ${wire} of ${ft_bytes} bytes | **${pct}%** of the fine-tune (goal <= 35%) |
| (c') the fine-tune's fetch ranges outside the base's xorbs (what a client keeping the base's xorb ranges fetches) | ${new_bytes} of ${ft_bytes} bytes | **${new_pct}%** |
EOF
for p in "${problems[@]}"; do printf -- '- warning: %s\n' "$p"; done

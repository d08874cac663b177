#!/usr/bin/env bash
# bench/airlock-scan.sh: what the airlock's pickle scan costs per pulled file, next to the Hub scanner's method.
#
# What it does, in one run on this machine: Python (with torch) writes three files into a temp folder:
#   big.pkl   a ~PICKLE_MIB MiB protocol-4 pickle of many small dicts (all opcodes, no imports beyond builtins);
#   model.pt  a torch.save zip checkpoint of TENSORS float32 tensors of 64 Ki elements (the scan reads data.pkl only);
#   model.bin the same state dict in torch's legacy (non-zip) layout (the scan reads the five pickles, skips the data).
# Then dev.forge.bench.PickleScanBench (test classes) judges each with the airlock policy in strict mode, ROUNDS times
# after a warm-up, and the reference: Python's pickletools.genops over the same pickles (what picklescan does; for
# model.pt over archive/data.pkl read from the zip, for model.bin over its five pickles), 3 times each. Reports the
# median milliseconds of both and the ratio (Python time / Forge time: > 1 means the scanner is faster).
#
# Usage: bench/airlock-scan.sh     knobs: PICKLE_MIB (32), TENSORS (512), ROUNDS (5), PYTHON (/work/py/hub1/bin/python)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work_name=forge-airlock-bench
. "$root/bench/lib.sh"
. "$root/bin/java-home.sh"
PICKLE_MIB="${PICKLE_MIB:-32}"
TENSORS="${TENSORS:-512}"
ROUNDS="${ROUNDS:-5}"
PYTHON="${PYTHON:-${FORGE_PY_ROOT:-/work/py}/hub1/bin/python}"
build="${FORGE_BUILD_DIR:-$root/target}"
bench_init
log "writing the files with $PYTHON"
"$PYTHON" - "$work" "$PICKLE_MIB" "$TENSORS" <<'PY'
import pickle, sys, torch
work, mib, tensors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows, data = [], b""
n = max(1, mib * 1024 * 1024 // 40)
data = pickle.dumps([{"id": i, "name": "n%d" % i, "v": i * 0.5} for i in range(n)], protocol=4)
open(f"{work}/big.pkl", "wb").write(data)
state = {f"layer.{i}.weight": torch.zeros(65536) for i in range(tensors)}
torch.save(state, f"{work}/model.pt")
torch.save(state, f"{work}/model.bin", _use_new_zipfile_serialization=False)
PY
ls -l "$work"/big.pkl "$work"/model.pt "$work"/model.bin >&2
log "building (test classes) into $build"
(cd "$root" && ./mvnw -B -q -o -Dforge.buildDir="$build" -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >&2)
log "PickleScanBench, $ROUNDS rounds"
"$JAVA_HOME/bin/java" ${JAVA_OPTS:--Xmx1g} -cp "$build/test-classes:$build/classes:$(cat "$work/cp.txt")" \
    dev.forge.bench.PickleScanBench "$ROUNDS" "$work/tmp" "$work/big.pkl" "$work/model.pt" "$work/model.bin" > "$work/forge.txt"
log "reference: pickletools.genops, 3 rounds"
"$PYTHON" - "$work" <<'PY' > "$work/python.txt"
import io, pickletools, statistics, sys, time, zipfile
work = sys.argv[1]
def genops_all(f, count=None):
    n = 0
    while count is None or n < count:
        if f.read(1) == b"":
            break
        f.seek(-1, 1)
        for _ in pickletools.genops(f):
            pass
        n += 1
def pkl():
    with open(f"{work}/big.pkl", "rb") as f:
        genops_all(f)
def pt():
    with zipfile.ZipFile(f"{work}/model.pt") as z:
        name = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        genops_all(io.BytesIO(z.read(name)))
def legacy():
    with open(f"{work}/model.bin", "rb") as f:
        genops_all(f, 5)
for name, fn in (("big.pkl", pkl), ("model.pt", pt), ("model.bin", legacy)):
    ms = []
    for _ in range(3):
        t0 = time.perf_counter(); fn(); ms.append((time.perf_counter() - t0) * 1000)
    print(name, "%.1f" % statistics.median(ms))
PY
printf '%-10s %12s %14s %16s %8s  %s\n' file bytes "forge ms" "genops ms" ratio verdict
join <(sort "$work/forge.txt") <(sort "$work/python.txt") | while read -r name bytes med min verdict py; do
  printf '%-10s %12s %14s %16s %8s  %s\n' "$name" "$bytes" "$med" "$py" "$(awk -v a="$py" -v b="$med" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.001) }')" "$verdict"
done

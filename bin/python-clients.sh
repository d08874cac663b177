#!/usr/bin/env bash
# Creates the Python virtual environments the end-to-end tests drive Forge with, under target/py (or $FORGE_PY_ROOT):
#   hub2  huggingface_hub 2.0.0 + hf_xet, transformers, datasets, torch (CPU): today's default client stack
#   hub1  huggingface_hub 1.33.0 + hf_xet: the last 1.x
# The versions are pinned in src/test/python/requirements-*.txt. pip must reach a package index that has them: here
# the machine's local index (see `pip config list`), since PyPI is out of reach of our CI machines. Idempotent: a venv
# whose requirements did not change since it was made is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${FORGE_PY_ROOT:-$here/target/py}"
python="${PYTHON:-python3}"
mkdir -p "$root"
# PyPI is out of reach here: when pip is configured with local extra indexes, make the first one the index so pip
# does not spend minutes retrying pypi.org for every package.
if [ -z "${PIP_INDEX_URL:-}" ]; then
  extra="$("$python" -m pip config get global.extra-index-url 2>/dev/null || true)"
  if [ -n "$extra" ]; then
    first="${extra%% *}"
    export PIP_INDEX_URL="$first"
    rest="${extra#"$first"}"
    export PIP_EXTRA_INDEX_URL="${rest# }"
  fi
fi
for name in hub2 hub1; do
  req="$here/src/test/python/requirements-$name.txt"
  venv="$root/$name"
  if [ -f "$venv/.requirements" ] && cmp -s "$req" "$venv/.requirements" && [ -x "$venv/bin/python" ]; then
    echo "python-clients: $name is up to date"
    continue
  fi
  echo "python-clients: creating $name from $(basename "$req")"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/.requirements"
  "$venv/bin/python" -c 'import huggingface_hub, hf_xet; print("python-clients:", "huggingface_hub", huggingface_hub.__version__)'
done

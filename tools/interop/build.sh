#!/usr/bin/env bash
# Builds the interop peers into a cache outside the repository, keyed by their sources and pinned versions:
#   - the client-go candidate (client-go/, Go module proxy) with the machine's Go; every module is checked
#     against client-go/go.sum (go build refuses a module whose hash differs or is missing);
#   - a Python venv with kubernetes_asyncio (python/requirements.txt, PyPI) for python/elector.py; pip
#     checks every file against the sha256 listed there (--require-hashes) and takes wheels only, so no
#     build step fetches unlisted packages.
# A warm cache is reused without touching the network. Prints CLIENT_GO=<binary> and PYTHON=<interpreter>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${LEASEHOLD_CACHE:-$HOME/.cache/leasehold}/interop"
mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9

command -v go >/dev/null || { echo "tools/interop/build.sh: Go is not installed (needed for the client-go peer)" >&2; exit 1; }
python="${LEASEHOLD_PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "tools/interop/build.sh: $python is not installed (needed for the kubernetes_asyncio peer)" >&2; exit 1; }

# Every source file of the peer is in the key (main.go, timing.go, ...): a changed file builds a new binary.
go_key="$(cat "$here/client-go/go.mod" "$here/client-go/go.sum" "$here"/client-go/*.go | sha256sum | cut -c1-12)"
go_dest="$cache_root/client-go_$(go env GOVERSION)_$go_key"
if [ ! -x "$go_dest/elector" ]; then
  echo "tools/interop: building the client-go candidate" >&2
  tmp="$(mktemp -d "$cache_root/.go.XXXXXX")"
  (cd "$here/client-go" && go build -trimpath -o "$tmp/elector" .)
  rm -rf "$go_dest" && mv "$tmp" "$go_dest"
fi

py_version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
py_key="$(sha256sum "$here/python/requirements.txt" | cut -c1-12)"
py_dest="$cache_root/python-${py_version}_$py_key"
if [ ! -x "$py_dest/bin/python" ] || [ ! -f "$py_dest/.complete" ]; then
  echo "tools/interop: creating the kubernetes_asyncio venv" >&2
  rm -rf "$py_dest"
  "$python" -m venv "$py_dest"
  "$py_dest/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
    --no-deps -r "$here/python/requirements.txt"
  touch "$py_dest/.complete"
fi

echo "CLIENT_GO=$go_dest/elector"
echo "PYTHON=$py_dest/bin/python"

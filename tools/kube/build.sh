#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the versions pinned in this folder's go.mod, with the machine's Go and
# the Go module proxy, into a cache outside the repository keyed by those versions and the Go version.
# A warm cache is reused without touching the network. Prints the cache folder on stdout (last line).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v go >/dev/null || { echo "tools/kube/build.sh: Go is not installed (needed to build kube-apiserver)" >&2; exit 1; }

kube_version="$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' go.mod | tr -d '\n')"
[ -n "$kube_version" ] || kube_version="$(awk '/^require k8s.io\/kubernetes/{print $3}' go.mod)"
etcd_version="$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' go.mod)"
go_version="$(go env GOVERSION)"
sum="$(sha256sum go.sum | cut -c1-12)"
cache_root="${LEASEHOLD_CACHE:-$HOME/.cache/leasehold}"
dest="$cache_root/kube/k8s-${kube_version}_etcd-${etcd_version}_${go_version}_${sum}"

if [ -x "$dest/kube-apiserver" ] && [ -x "$dest/etcd" ]; then
  echo "tools/kube: reusing $dest" >&2
  echo "$dest"
  exit 0
fi

mkdir -p "$cache_root/kube"
# One build at a time: a second caller waits and then finds the cache warm.
exec 9>"$cache_root/kube/.build.lock"
flock 9
if [ -x "$dest/kube-apiserver" ] && [ -x "$dest/etcd" ]; then echo "$dest"; exit 0; fi

tmp="$(mktemp -d "$cache_root/kube/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "tools/kube: building kube-apiserver $kube_version and etcd $etcd_version with $go_version (several minutes on 2 cores)" >&2
start=$(date +%s)
go build -trimpath -ldflags='-s -w' -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -trimpath -ldflags='-s -w' -o "$tmp/etcd" go.etcd.io/etcd/server/v3
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "tools/kube: built in $(( $(date +%s) - start ))s into $dest" >&2
echo "$dest"

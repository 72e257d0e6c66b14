#!/usr/bin/env bash
# Unpacks an npm package tarball into DEST/node_modules/PACKAGE, only if the tarball's sha512 is EXPECTED
# (hex). Nothing of the package runs: no install scripts, no dependencies resolved (the pinned tools have
# none). DEST appears whole or not at all, with a `.verified` file holding the hash; an existing verified
# DEST with the same hash is kept. Callers serialize concurrent installs of one DEST (npm-tool.sh locks).
#   usage: unpack-verified.sh TARBALL PACKAGE EXPECTED_SHA512_HEX DEST
# A mismatch exits 1 naming the file and both hashes, and leaves DEST absent.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 TARBALL PACKAGE EXPECTED_SHA512_HEX DEST" >&2; exit 2; }
tarball="$1" package="$2" expected="$3" dest="$4"

if [ -f "$dest/.verified" ] && [ "$(cat "$dest/.verified")" = "$expected" ]; then exit 0; fi
actual="$(sha512sum "$tarball" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "leasehold: refusing $tarball ($package): sha512 mismatch" >&2
  echo "  expected $expected" >&2
  echo "  actual   $actual" >&2
  exit 1
fi

mkdir -p "$(dirname "$dest")"
tmp="$(mktemp -d "$dest.unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -p "$tmp/node_modules/$package"
tar -xzf "$tarball" -C "$tmp/node_modules/$package" --strip-components=1 --no-same-owner
echo "$expected" >"$tmp/.verified"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT

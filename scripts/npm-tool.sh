#!/usr/bin/env bash
# Installs a tool pinned in scripts/pins.txt (pnpm: in package.json's `packageManager`) from the npm
# registry into DEST/node_modules/PACKAGE: `npm pack` downloads the tarball (npm's own registry client and
# cache), scripts/unpack-verified.sh checks it against the pin and unpacks it. A tool already verified in
# DEST is reused without touching the network.
#   usage: npm-tool.sh PACKAGE VERSION DEST
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 PACKAGE VERSION DEST" >&2; exit 2; }
package="$1" version="$2" dest="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "$package" = pnpm ]; then
  # "packageManager": "pnpm@10.34.9+sha512.<hex>", as corepack writes it.
  expected="$(sed -n "s/.*\"packageManager\": *\"pnpm@$version+sha512\.\([0-9a-f]*\)\".*/\1/p" "$here/../package.json")"
else
  expected="$(awk -v p="$package" -v v="$version" '$1==p && $2==v {print $3}' "$here/pins.txt")"
fi
[ ${#expected} -eq 128 ] || { echo "leasehold: no sha512 pinned for $package@$version (scripts/pins.txt, package.json packageManager)" >&2; exit 1; }
verified() { [ -f "$dest/.verified" ] && [ "$(cat "$dest/.verified")" = "$expected" ]; }
if verified; then exit 0; fi

mkdir -p "$(dirname "$dest")"
# One install of DEST at a time (the cache is shared by every checkout): a second caller waits, then finds
# it verified.
exec 9>"$dest.lock"
flock 9
if verified; then exit 0; fi
command -v npm >/dev/null || { echo "leasehold: npm is needed to download $package@$version" >&2; exit 1; }
download="$(mktemp -d "$dest.download.XXXXXX")"
trap 'rm -rf "$download"' EXIT
echo "leasehold: downloading $package@$version" >&2
(cd "$download" && npm pack --ignore-scripts --silent "$package@$version" >/dev/null)
tarballs=("$download"/*.tgz)
[ -f "${tarballs[0]}" ] || { echo "leasehold: npm pack $package@$version produced no tarball" >&2; exit 1; }
"$here/unpack-verified.sh" "${tarballs[0]}" "$package" "$expected" "$dest"

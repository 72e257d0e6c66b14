#!/usr/bin/env bash
# Builds every published package and packs it as the registry would serve it (`pnpm pack`, which applies
# publishConfig and writes the workspace dependencies as plain versions) into one folder of tarballs, so
# that the packages can be installed with npm before they are published (README, "Install"):
#
#   ./scripts/pack.sh [DIR]    # DIR defaults to packs/ in the repository; old tarballs there are removed
#
# Prints the path of each tarball. Installs what it needs (Node 24, pnpm, dependencies) on first use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"

dest="$(mkdir -p "${1:-packs}" && cd "${1:-packs}" && pwd)"
rm -f "$dest"/leasehold-*.tgz
pnpm -r --reporter=append-only build 1>&2   # stdout: the tarballs only
for dir in packages/*/; do
  [ "$(node -p "require('./${dir}package.json').private === true")" = true ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$dest" | tail -n 1)
done

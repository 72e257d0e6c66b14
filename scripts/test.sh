#!/usr/bin/env bash
# The whole test suite: installs Node 24, pnpm and dependencies when missing, then type-checks, builds every
# package, lints and runs every vitest project. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"

echo "== control plane (kube-apiserver + etcd, built once from Go modules and cached)"
# Built here, not inside a test hook, so a cold build (about 5 minutes on 2 cores) has no hook timeout.
# A failure stops the suite: the adapter tests never skip for lack of a control plane.
bash tools/kube/build.sh >/dev/null
echo "== interop peers (client-go from the Go module proxy, kubernetes_asyncio from PyPI, built once and cached)"
bash tools/interop/build.sh >/dev/null

echo "== browser (Debian's chromium, for the timeline test; installed once)"
if ! command -v chromium >/dev/null; then
  [ "$(id -u)" = 0 ] || leasehold_die "the timeline test needs Debian's chromium: sudo apt-get install chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >/dev/null \
    || leasehold_die "apt-get could not install chromium"
fi
echo "== typecheck"
pnpm -r --reporter=append-only typecheck
echo "== build (what users install must build: dist/ of every package)"
pnpm -r --reporter=append-only build
echo "== public API (docs/api-reports/ match the built declarations; update: pnpm api:update)"
node scripts/api.ts --check
echo "== lint"
pnpm exec biome check .
echo "== tests"
pnpm exec vitest run "$@"

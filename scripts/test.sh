#!/usr/bin/env bash
# The whole test suite: installs Node 24, pnpm and dependencies when missing, then type-checks, lints and
# runs every vitest project. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"

echo "== typecheck"
pnpm -r --reporter=append-only typecheck
echo "== lint"
pnpm exec biome check .
echo "== tests"
pnpm exec vitest run "$@"

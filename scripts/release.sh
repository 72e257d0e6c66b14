#!/usr/bin/env bash
# Releases the eight @leasehold packages as pnpm monorepos do, with changesets (docs/releasing.md):
#
#   scripts/release.sh version     apply the pending changesets: bump the versions, write each CHANGELOG.md
#   scripts/release.sh publish     on a clean main: build, run the whole suite, publish every package version
#                                  the registry lacks (pnpm, so publishConfig applies), tag the release
#   scripts/release.sh --dry-run   show what both would do, changing nothing here: the pending releases, the
#                                  version step applied to a scratch copy, the build, and the publish as a
#                                  dry run (tarball contents), and the API reference; the test suite runs this
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"

release_die() { echo "release: $*" >&2; exit 1; }

dry_run() {
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT

  echo "== pending changesets"
  pnpm exec changeset status --verbose

  echo "== version step, applied to a scratch copy"
  # Only what `changeset version` reads and writes: the manifests, the changelogs and .changeset/.
  git ls-files -co --exclude-standard -- package.json pnpm-workspace.yaml .changeset '*package.json' '*CHANGELOG.md' \
    | while read -r file; do mkdir -p "$scratch/$(dirname "$file")" && cp "$file" "$scratch/$file"; done
  ln -s "$leasehold_root/node_modules" "$scratch/node_modules"
  (cd "$scratch" && pnpm exec changeset version >/dev/null)
  for dir in packages/*/; do
    local manifest="$scratch/${dir}package.json"
    [ "$(node -p "require('$manifest').private === true")" = true ] && continue
    echo "-- $(node -p "const p = require('$manifest'); p.name + ' ' + require('./${dir}package.json').version + ' -> ' + p.version")"
    # The entry the version step wrote: from the first release heading to the next.
    awk '/^## /{n++} n==1' "$scratch/${dir}CHANGELOG.md"
  done

  echo "== build"
  pnpm -r --reporter=append-only build

  echo "== API reference (generated, not committed: docs/api/ is what pnpm api:docs writes)"
  node scripts/api.ts --docs "$scratch/api"
  echo "-- $(ls "$scratch/api" | wc -l) pages"

  echo "== publish (dry run)"
  pnpm publish -r --dry-run --no-git-checks --report-summary 2>&1 | grep -v "requires you to be logged in"
  mv pnpm-publish-summary.json "$scratch/summary.json"
  echo "== would publish"
  node -e "for (const p of require('$scratch/summary.json').publishedPackages) console.log(p.name + '@' + p.version)"
}

publish() {
  [ -z "$(git status --porcelain)" ] || release_die "the work tree has changes; commit them first"
  [ "$(git rev-parse --abbrev-ref HEAD)" = main ] || release_die "releases are made from main"
  [ -z "$(ls .changeset/*.md 2>/dev/null | grep -v README.md)" ] \
    || release_die "pending changesets: run 'scripts/release.sh version' and commit first"
  pnpm -r --reporter=append-only build
  ./scripts/test.sh
  # pnpm publishes each package whose version the registry lacks, applying publishConfig (exports, access).
  pnpm publish -r --no-git-checks
  pnpm exec changeset tag
  echo "release: published; push the tags with 'git push --follow-tags'"
}

case "${1:-}" in
  --dry-run) dry_run ;;
  version)
    pnpm exec changeset version
    pnpm install --lockfile-only --reporter=append-only
    pnpm exec biome format --write . >/dev/null
    echo "release: versions and CHANGELOG.md files written; review and commit them"
    ;;
  publish) publish ;;
  *) release_die "usage: scripts/release.sh version | publish | --dry-run" ;;
esac

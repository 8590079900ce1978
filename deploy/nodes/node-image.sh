#!/usr/bin/env bash
# Builds llm-deploy-bench-node (deploy/nodes/node.Dockerfile): Debian bookworm with Debian's docker.io and
# iptables, the image of the simulated Swarm nodes (`npm run experiment -- --nodes N`).
#   - offline build: the .deb files (docker.io, iptables and what they depend on beyond what the base image
#     already has) are downloaded on the host with apt-get --download-only against the base image's own
#     dpkg status, so the dependency set is the image's, not the host's; `docker build` only runs dpkg -i
#   - base: debian:bookworm-slim (deploy/base-image.sh builds it offline when it is missing)
#   - skips the build when the image carries the same source hash (the Dockerfile, the base image's id and
#     the list of .deb files); FORCE=1 or --force rebuilds
# Needs root (apt-get download into a private directory), docker, apt-get, and Debian's archive (the
# host's apt sources) reachable from the host.
# Usage: bash deploy/nodes/node-image.sh [--force]   env: IMAGE (default llm-deploy-bench-node), FORCE=1,
#        WORKDIR (default /var/tmp/llm-bench-node-image: the downloaded .deb files, kept for rebuilds)
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "${1:-}" = --force ] && FORCE=1
FORCE=${FORCE:-0}
IMAGE=${IMAGE:-llm-deploy-bench-node}
BASE=debian:bookworm-slim
WORKDIR=${WORKDIR:-/var/tmp/llm-bench-node-image}
PACKAGES="docker.io iptables"
LABEL=llm-deploy-bench.source-hash

step() { printf '[node-image] %s\n' "$*" >&2; }
die() { printf '[node-image] error: %s\n' "$*" >&2; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (start one with: bash deploy/engine.sh)"
if ! have_image "$BASE"; then
  step "$BASE is missing: building it offline (deploy/base-image.sh)"
  FORCE=0 bash deploy/base-image.sh
fi

# The .deb files: resolved against the base image's dpkg status (what it already has is not fetched).
debs=$WORKDIR/debs
mkdir -p "$debs/partial"
if ! ls "$debs"/docker.io_*.deb >/dev/null 2>&1 || [ "$FORCE" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "needs root to download the .deb files (apt-get)"
  command -v apt-get >/dev/null || die "apt-get is missing: the node image is built from Debian packages"
  docker run --rm "$BASE" cat /var/lib/dpkg/status >"$WORKDIR/status"
  step "downloading $PACKAGES and their dependencies (apt-get --download-only into $debs)"
  log=$WORKDIR/apt.log
  if ! apt-get -q -y -o Dir::State::status="$WORKDIR/status" -o Dir::Cache::archives="$debs" -o Debug::NoLocking=1 \
      --download-only --no-install-recommends install $PACKAGES >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    die "apt-get download failed (is Debian's archive reachable? apt-get update first; log: $log)"
  fi
fi

hash=$( { cat deploy/nodes/node.Dockerfile; docker image inspect -f '{{.Id}}' "$BASE"; (cd "$debs" && ls ./*.deb); } | sha256sum | cut -c1-16 )
current=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
if [ "$FORCE" != 1 ] && [ "$current" = "$hash" ]; then
  step "$IMAGE is up to date (source hash $hash); FORCE=1 rebuilds"
  exit 0
fi

ctx=$(mktemp -d /tmp/llm-node-image.XXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/debs"
cp "$debs"/*.deb "$ctx/debs/"
cp deploy/nodes/node.Dockerfile "$ctx/Dockerfile"
step "docker build -t $IMAGE FROM $BASE ($(ls "$ctx/debs" | wc -l) .deb files, source hash $hash)"
log=$(mktemp /tmp/llm-node-image.XXXXXX.log)
if ! DOCKER_BUILDKIT=0 docker build --network none --build-arg "BASE=$BASE" --label "$LABEL=$hash" -t "$IMAGE" "$ctx" >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
docker image prune -f --filter "label=llm-deploy-bench.image=node" >/dev/null
step "built $IMAGE: $(docker run --rm --entrypoint dockerd "$IMAGE" --version), $(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB"

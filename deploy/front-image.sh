#!/usr/bin/env bash
# Builds llm-inference-front: HAProxy from Debian's package with deploy/swarm/haproxy.cfg
# (deploy/swarm/front.Dockerfile), the front of the Swarm deployment where the routing mesh cannot serve.
#   - no registry needed: FROM debian:bookworm-slim when that image is here (deploy/base-image.sh leaves
#     it), else FROM the project's base image (the root Dockerfile's) (built offline first when missing); haproxy comes from
#     Debian's archive inside `docker build`
#   - skips the build when the image already carries the same source hash (label
#     llm-deploy-bench.source-hash over the Dockerfile, the config and the base image's name); FORCE=1
#     rebuilds
# Usage: bash deploy/front-image.sh [--force]     env: IMAGE (default llm-inference-front), FORCE=1
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${1:-}" = --force ] && FORCE=1
FORCE=${FORCE:-0}
IMAGE=${IMAGE:-llm-inference-front}
LABEL=llm-deploy-bench.source-hash

step() { printf '[front-image] %s\n' "$*" >&2; }
die() { printf '[front-image] error: %s\n' "$*" >&2; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (start one with: bash deploy/engine.sh)"

if have_image debian:bookworm-slim; then
  base=debian:bookworm-slim
else
  base=$(awk '/^FROM /{print $2; exit}' Dockerfile)   # the project's base image (node:<major>-bookworm-slim)
  if ! have_image "$base"; then
    step "$base is missing: building it offline (deploy/base-image.sh)"
    FORCE=0 bash deploy/base-image.sh
  fi
fi

hash=$( { cat deploy/swarm/front.Dockerfile deploy/swarm/haproxy.cfg; echo "$base"; } | sha256sum | cut -c1-16 )
current=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
if [ "$FORCE" != 1 ] && [ "$current" = "$hash" ]; then
  step "$IMAGE is up to date (source hash $hash); FORCE=1 rebuilds"
  exit 0
fi

step "docker build -t $IMAGE FROM $base (source hash $hash; haproxy from Debian's archive)"
ctx=$(mktemp -d /tmp/llm-front-image.XXXX)
log=$ctx.log
trap 'rm -rf "$ctx"' EXIT
cp deploy/swarm/front.Dockerfile "$ctx/Dockerfile"
cp deploy/swarm/haproxy.cfg "$ctx/"
# The legacy builder, like deploy/build-image.sh: nothing newer is needed and no buildx plugin either.
if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$base" --label "$LABEL=$hash" -t "$IMAGE" "$ctx" >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
step "built $IMAGE: $(docker run --rm "$IMAGE" haproxy -v | head -n 1), $(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB"

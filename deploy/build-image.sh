#!/usr/bin/env bash
# Build llm-inference-image from the project root's Dockerfile, printing each build step.
#   - builds the offline base image first when the Dockerfile's base image (node:24-bookworm-slim) is
#     missing (deploy/base-image.sh; TRUST_HOST_CA and the other base-image settings are passed through)
#   - skips the build when the image already carries the same source hash (label
#     llm-deploy-bench.source-hash over every file the Dockerfile copies: the package.json files, the
#     lock file, contracts/, common/, service/, data/models); FORCE=1 rebuilds
#   - prints the image size at the end
# Usage: bash deploy/build-image.sh [--force]     env: IMAGE (default llm-inference-image), FORCE=1
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${1:-}" = --force ] && FORCE=1
FORCE=${FORCE:-0}
IMAGE=${IMAGE:-llm-inference-image}
BASE=$(awk '/^FROM /{print $2; exit}' Dockerfile)   # the base image its Dockerfile names
LABEL=llm-deploy-bench.source-hash

step() { printf '[build-image] %s\n' "$*" >&2; }
die() { printf '[build-image] error: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (start one with: bash deploy/engine.sh)"

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  step "$BASE is missing: building it offline (deploy/base-image.sh)"
  FORCE=0 bash deploy/base-image.sh
fi

# What goes into the image: the manifests npm ci reads (the root's and every workspace part's), the
# sources the service compiles from, and the model. .dockerignore drops test/ and testing/ folders.
workspaces=$(node -p "require('./package.json').workspaces.map((w) => w + '/package.json').join('\n')")
hash=$( { printf '%s\n' Dockerfile .dockerignore package.json package-lock.json tsconfig.json $workspaces
          find contracts common service data/models -type f ! -path '*/test/*' ! -path '*/testing/*'; } |
        LC_ALL=C sort -u | xargs sha256sum | sha256sum | cut -c1-16 )
current=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
if [ "$FORCE" != 1 ] && [ "$current" = "$hash" ]; then
  step "$IMAGE is up to date (source hash $hash); FORCE=1 rebuilds"
  exit 0
fi

step "docker build -t $IMAGE . (source hash $hash; cold builds take 2-3 min, mostly npm ci)"
started=$(date +%s)
log=$(mktemp /tmp/llm-build-image.XXXXXX.log)
# The legacy builder on purpose: the Dockerfile needs nothing newer and no buildx plugin is needed.
# The label is set from the command line because LABEL is outside the allowed instruction set.
if ! DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" -t "$IMAGE" . 2>&1 | tee "$log" | grep --line-buffered -E '^Step [0-9]+/[0-9]+ :' >&2; then
  :
fi
if ! grep -q "^Successfully tagged $IMAGE" "$log"; then
  tail -n 25 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
step "built $IMAGE in $(($(date +%s) - started)) s, $((size / 1000000)) MB"

#!/usr/bin/env bash
# Builds llm-deploy-bench-collector: the collector as a container image, so it can run on every node of
# a swarm. It is llm-inference-image (which already holds node, dockerode and better-sqlite3 built for
# the image's OS) plus the compiled collector; built from a tiny context, in seconds.
#   - builds llm-inference-image first when it is missing (deploy/build-image.sh)
#   - compiles the project (tsc) when dist/collector/cli.js is missing
# Run it (host pid namespace, cgroup files read-only, the Docker socket, a data directory):
#   docker run -d --name collector --pid host --cgroupns host \
#     -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v /var/run/docker.sock:/var/run/docker.sock \
#     -v "$PWD/data:/app/data" llm-deploy-bench-collector start --label swarm-3 --service llm-inference-service
# Usage: bash deploy/collector-image.sh        env: IMAGE (default llm-deploy-bench-collector)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-llm-deploy-bench-collector}
BASE_APP=${BASE_APP:-llm-inference-image}

step() { printf '[collector-image] %s\n' "$*" >&2; }

if ! docker image inspect "$BASE_APP" >/dev/null 2>&1; then
  step "$BASE_APP is missing: building it (deploy/build-image.sh)"
  bash deploy/build-image.sh
fi
[ -f dist/collector/cli.js ] || { step "compiling (tsc)"; npx tsc -p tsconfig.json >/dev/null || true; }
[ -f dist/collector/cli.js ] || { step "error: dist/collector/cli.js missing after tsc"; exit 1; }

ctx=$(mktemp -d /tmp/llm-collector-image.XXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/dist/collector" "$ctx/collector"
cp dist/collector/*.js "$ctx/dist/collector/"
cp collector/schema.sql "$ctx/collector/"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_APP
COPY dist/collector /app/dist/collector
COPY collector/schema.sql /app/collector/schema.sql
LABEL llm-deploy-bench.image=collector
ENTRYPOINT ["node", "dist/collector/cli.js"]
CMD ["status"]
DOCKERFILE
if ! out=$(docker build -q -t "$IMAGE" "$ctx" 2>&1); then printf '%s\n' "$out" >&2; exit 1; fi
# an earlier build of this image, now untagged, is garbage: remove only those (our label)
docker image prune -f --filter "label=llm-deploy-bench.image=collector" >/dev/null
step "built $IMAGE"

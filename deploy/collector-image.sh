#!/usr/bin/env bash
# Builds llm-deploy-bench-collector: the collector as a container image, so it can run on every node of
# a swarm (deploy/collector.Dockerfile). It holds only what the collector needs: node, the collector
# workspace's npm dependencies (npm ci --omit=dev --workspace collector) and the compiled collector with
# the shared contracts/ and common/ modules it imports.
#   - builds the offline base image first when its base image (node:24-bookworm-slim) is missing
#     (deploy/base-image.sh)
#   - compiles the project (tsc) when dist/collector/cli.js is missing
#   - the dependency layers are cached until a package.json or the lockfile changes; the first build
#     takes a few minutes (better-sqlite3 compiles from source), later ones seconds
# Run it (host pid namespace, cgroup files read-only, the Docker socket, a data directory):
#   docker run -d --name collector --pid host --cgroupns host \
#     -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v /var/run/docker.sock:/var/run/docker.sock \
#     -v "$PWD/data:/app/data" llm-deploy-bench-collector start --label swarm-3 --service llm-inference-service
# Usage: bash deploy/collector-image.sh        env: IMAGE (default llm-deploy-bench-collector)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-llm-deploy-bench-collector}
BASE=$(awk '/^FROM /{print $2; exit}' deploy/collector.Dockerfile)   # the base image its Dockerfile names

step() { printf '[collector-image] %s\n' "$*" >&2; }
die() { printf '[collector-image] error: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (start one with: bash deploy/engine.sh)"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  step "$BASE is missing: building it offline (deploy/base-image.sh)"
  FORCE=0 bash deploy/base-image.sh
fi
[ -f dist/collector/cli.js ] || { step "compiling (tsc)"; npx tsc -p tsconfig.json >/dev/null || true; }
[ -f dist/collector/cli.js ] || die "dist/collector/cli.js missing after tsc"

ctx=$(mktemp -d /tmp/llm-collector-image.XXXX)
trap 'rm -rf "$ctx"' EXIT
# npm ci needs the root package files and every workspace's package.json (the lockfile lists them all).
mkdir -p "$ctx/packages" "$ctx/collector" "$ctx/dist"
cp package.json package-lock.json "$ctx/packages/"
for part in $(node -p "require('./package.json').workspaces.join(' ')"); do
  mkdir -p "$ctx/packages/$part"
  cp "$part/package.json" "$ctx/packages/$part/"
done
cp collector/schema.sql "$ctx/collector/"
# The compiled modules the collector's CLI loads (its relative imports, followed from dist/collector/cli.js):
# the collector and the contracts/ and common/ modules it uses, nothing else of dist/.
node --input-type=module -e "
  import { readFileSync } from 'node:fs';
  import { dirname, join, relative } from 'node:path';
  const seen = new Set(), todo = ['dist/collector/cli.js'];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\\s*'(\\.{1,2}\\/[^']+)'/g)) todo.push(join(dirname(file), spec));
  }
  console.log([...seen].map((f) => relative('dist', f)).join('\\n'));
" | (cd dist && xargs cp --parents -t "$ctx/dist/")
cp deploy/collector.Dockerfile "$ctx/Dockerfile"

step "docker build -t $IMAGE"
log=$(mktemp /tmp/llm-collector-image.XXXXXX.log)
if ! docker build -t "$IMAGE" "$ctx" >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  die "docker build failed (full log: $log)"
fi
rm -f "$log"
# an earlier build of this image, now untagged, is garbage: remove only those (our label)
docker image prune -f --filter "label=llm-deploy-bench.image=collector" >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
step "built $IMAGE, $((size / 1000000)) MB"

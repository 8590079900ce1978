#!/bin/sh
# Tags llm-inference-image as REGISTRY/NAME[:TAG], pushes it and prints the pushed reference with its
# digest (REGISTRY/NAME@sha256:…) on stdout: the name to hand in, and what LLM_IMAGE takes.
#   sh deploy/push-image.sh ghcr.io/<user>/llm-inference-image:v1      (after: docker login ghcr.io)
#   sh deploy/push-image.sh docker.io/<user>/llm-inference-image        (after: docker login)
#   sh deploy/push-image.sh 127.0.0.1:5001/llm-inference-image:test      (a local registry: no login, no TLS)
# Then run Compose, Swarm or the experiment on the pushed image, pulled from the registry:
#   LLM_IMAGE=<the printed reference> npm run experiment -- --deployments compose
# Usage: sh deploy/push-image.sh REGISTRY/NAME[:TAG] [LOCAL_IMAGE]   (LOCAL_IMAGE: llm-inference-image)
set -eu

ref=${1:-}
src=${2:-llm-inference-image}
case "$ref" in
  */*) ;;
  *) printf "push-image: expected REGISTRY/NAME[:TAG] (e.g. ghcr.io/me/llm-inference-image:v1), got '%s'\n" "$ref" >&2; exit 2 ;;
esac
if ! docker image inspect "$src" >/dev/null 2>&1; then
  printf 'push-image: no local image %s (build it with: bash deploy/build-image.sh)\n' "$src" >&2
  exit 2
fi

docker tag "$src" "$ref"
out=$(docker push "$ref" 2>&1) || { printf '%s\n' "$out" >&2; printf 'push-image: docker push %s failed\n' "$ref" >&2; exit 1; }
printf '%s\n' "$out" >&2
digest=$(printf '%s\n' "$out" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' | tail -n 1)
[ -n "$digest" ] || { printf 'push-image: the registry answered no digest\n' >&2; exit 1; }
# REGISTRY/NAME without the tag, then @digest: a reference that names exactly what was pushed
name=$(printf '%s' "$ref" | sed 's/:[^:/]*$//')
printf '%s@%s\n' "$name" "$digest"

#!/bin/sh
# A local image registry, to try the push recipe without an account: Debian's docker-registry
# (Distribution 2.8) on 127.0.0.1:PORT, storing under DIR, without login or TLS (the engine accepts
# registries on 127.0.0.0/8 over plain HTTP). Runs in the foreground until stopped (Ctrl-C, kill).
#   sh deploy/registry.sh 5001 /tmp/llm-registry &
#   sh deploy/push-image.sh 127.0.0.1:5001/llm-inference-image:v1
# Usage: sh deploy/registry.sh PORT DIR     (any port but 5000, the inference service's)
set -eu

port=${1:-}
dir=${2:-}
usage() { printf 'registry: %s\nusage: sh deploy/registry.sh PORT DIR\n' "$1" >&2; exit 2; }
case "$port" in
  '' | *[!0-9]*) usage "expected a port number, got '$port'" ;;
esac
[ "$port" -ge 1 ] && [ "$port" -le 65535 ] || usage "port out of range: $port"
[ "$port" != 5000 ] || usage "port 5000 is the inference service's; choose another (e.g. 5001)"
[ -n "$dir" ] || usage 'expected a storage folder (DIR)'
command -v docker-registry >/dev/null 2>&1 ||
  { printf 'registry: docker-registry is not installed (Debian: apt-get install docker-registry)\n' >&2; exit 1; }

mkdir -p "$dir/storage"
dir=$(cd "$dir" && pwd)
cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: "$dir/storage"
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
exec docker-registry serve "$dir/config.yml"

#!/usr/bin/env bash
# Make sure a Compose CLI exists: `docker compose` (v2 plugin) or `docker-compose` (v1). When neither
# does, installs Debian's docker-compose (1.29, bookworm) with apt. Idempotent; the drivers use whichever exists.
set -euo pipefail
step() { printf '[compose] %s\n' "$*" >&2; }

if docker compose version >/dev/null 2>&1; then
  step "using docker compose (v2): $(docker compose version --short 2>/dev/null)"
  exit 0
fi
if command -v docker-compose >/dev/null 2>&1; then
  step "using docker-compose (v1): $(docker-compose version --short 2>/dev/null)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { step "error: no Compose CLI found and not root: install docker-compose (v1) or the compose v2 plugin"; exit 1; }
step "no Compose CLI found: installing Debian's docker-compose"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends docker-compose >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends docker-compose >/dev/null; }
step "installed docker-compose $(docker-compose version --short)"

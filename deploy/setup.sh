#!/usr/bin/env bash
# Prepare this machine for the experiment (and, with --tests, for the test suite). Idempotent: each
# step checks first and does nothing when its part is already there. Needs root on a fresh Debian machine.
#   1. a Node.js that package.json's engines allow: when the machine's is older, Node.js 24 and its npm
#      from the npm registry into /usr/local (deploy/install-node.sh; NODE_PREFIX overrides the place)
#   2. a Docker engine (deploy/engine.sh: Debian docker.io + dockerd)
#   3. the Dockerfile's base image node:24-bookworm-slim: pulled when a registry answers, else built
#      offline from Debian packages (deploy/base-image.sh, with the host's CA bundle so npm inside
#      `docker build` works behind a TLS-intercepting proxy; set TRUST_HOST_CA=0 to leave it out)
#   4. a Compose CLI (v2 plugin or Debian's docker-compose v1)
#   5. llm-inference-image (deploy/build-image.sh: rebuilt only when its sources changed)
#   6. curl (deploy/latency_test.sh) and DejaVu fonts (text in the report's PNG figures)
#   7. with --tests: Debian's chromium (the reporter's report.html check) and docker-registry (the push
#      test starts its own on a free 127.0.0.1 port; the package's own service is never started)
# Usage: bash deploy/setup.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=0
case "${1:-}" in
  "") ;;
  --tests) WITH_TESTS=1 ;;
  *) printf 'setup: unknown option %s (known: --tests)\n' "$1" >&2; exit 2 ;;
esac

step() { printf '\n== setup: %s\n' "$*" >&2; }
apt_updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" = 0 ]; then apt-get update -q >/dev/null; apt_updated=1; fi
  apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "$@" >/dev/null
}

step "Node.js (package.json engines)"
bash deploy/install-node.sh

step "Docker engine"
bash deploy/engine.sh

base=$(awk '/^FROM /{print $2; exit}' Dockerfile)
step "base image $base"
if docker image inspect "$base" >/dev/null 2>&1; then
  echo "[setup] present" >&2
elif timeout 120 docker pull "$base" >/dev/null 2>&1; then
  echo "[setup] pulled from the registry" >&2
else
  echo "[setup] no registry answers: building it offline from Debian packages" >&2
  TRUST_HOST_CA=${TRUST_HOST_CA:-1} bash deploy/base-image.sh
fi

step "Compose CLI"
bash deploy/install-compose.sh

step "llm-inference-image"
bash deploy/build-image.sh

step "curl and fonts"
command -v curl >/dev/null 2>&1 || apt_install curl
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_install fonts-dejavu-core
echo "[setup] ok" >&2

if [ "$WITH_TESTS" = 1 ]; then
  step "chromium for the reporter's tests"
  # with its recommended packages (fonts among them), as tested
  if [ ! -x /usr/bin/chromium ]; then
    [ "$apt_updated" = 1 ] || apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 chromium >/dev/null
  fi
  echo "[setup] ok" >&2

  step "docker-registry for the push test"
  if [ ! -x /usr/bin/docker-registry ]; then
    # Its package starts a registry on :5000 (the inference service's port) wherever it can: a
    # policy-rc.d answering 101 ("not allowed") keeps invoke-rc.d and deb-systemd-invoke from doing so.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt_install docker-registry || { [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
    [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
    # and not at the next boot either
    if [ -d /run/systemd/system ]; then systemctl disable --now docker-registry.service >/dev/null 2>&1 || true; fi
    update-rc.d docker-registry disable >/dev/null 2>&1 || true
  fi
  echo "[setup] ok" >&2
fi

#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine, installing and starting one if needed.
# Used by .ci/run and by hand on a fresh machine. Idempotent: does nothing when `docker info` works.
#   - installs Debian's docker.io (dockerd + containerd + runc) when dockerd is missing
#   - starts dockerd in the background (no systemd here), log in /var/log/dockerd-bench.log
#   - waits until the engine answers (30 s at most), else prints the log tail and exits 1
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine already answering ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing docker.io from Debian (dockerd, containerd, runc)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

LOG=${DOCKERD_LOG:-/var/log/dockerd-bench.log}
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: $LOG)"
  setsid dockerd >"$LOG" 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine up: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 30 s; last lines of $LOG:"
tail -n 30 "$LOG" >&2 || true
exit 1

#!/usr/bin/env bash
# Builds the tiny test image local/llm-deploy-bench-busybox:1 (~2 MB) from Debian's busybox-static,
# without any registry: the collector's tests and benchmark start their containers from it.
# Idempotent: does nothing when the image exists. Needs root for apt-get when busybox-static is missing.
set -euo pipefail
TAG=${TAG:-local/llm-deploy-bench-busybox:1}
if docker image inspect "$TAG" >/dev/null 2>&1; then exit 0; fi

bb=/bin/busybox
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  echo "[test-image] installing Debian busybox-static" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q busybox-static >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q busybox-static >/dev/null; }
fi

root=$(mktemp -d /tmp/llm-deploy-bench-busybox.XXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,tmp,etc,proc,sys,dev}
chmod 1777 "$root/tmp"
cp "$(readlink -f "$bb")" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
tar --numeric-owner -C "$root" -c . |
  docker import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' \
    --change 'LABEL llm-deploy-bench.image=test-busybox' - "$TAG" >/dev/null
echo "[test-image] built $TAG" >&2

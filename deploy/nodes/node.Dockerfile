# llm-deploy-bench-node: a Docker engine in a container, one simulated Swarm node (Docker-in-Docker).
# Debian bookworm + Debian's docker.io (dockerd 20.10, containerd, runc, tini) + iptables, installed from
# .deb files that deploy/nodes/node-image.sh downloads on the host: the build itself needs no network.
# Started by deploy/nodes/cluster.ts (see there for the docker run flags this machine needs).
ARG BASE=debian:bookworm-slim
FROM ${BASE}
COPY debs/ /tmp/debs/
RUN dpkg -i /tmp/debs/*.deb \
 && rm -rf /tmp/debs /var/lib/apt/lists/* \
 && dockerd --version
# dockerd's own data lives on a volume per node (docker run -v <volume>:/var/lib/docker); overlay2 on
# an overlay root file system would fail.
VOLUME /var/lib/docker
LABEL llm-deploy-bench.image=node
STOPSIGNAL SIGTERM
# The node's engine; its flags (cgroup parent, sockets) come from the docker run command.
ENTRYPOINT ["tini", "--", "dockerd"]

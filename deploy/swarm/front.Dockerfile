# llm-inference-front: Debian's HAProxy package with deploy/swarm/haproxy.cfg, running as the package's
# unprivileged haproxy user. Built by deploy/front-image.sh, which picks BASE (a local Debian bookworm
# image) and skips the build when nothing changed.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/*
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
ENV BACKEND=tasks.llm-inference-service
ENV BACKEND_PORT=5000
ENV FRONT_BIND=:8080
ENV STATS_BIND=:8404
USER haproxy
RUN haproxy -c -f /etc/haproxy/haproxy.cfg
EXPOSE 8080
# SIGUSR1 is HAProxy's soft stop: stop accepting, finish the requests in flight, then exit.
STOPSIGNAL SIGUSR1
# The node base image has an entrypoint that would run node: none here.
ENTRYPOINT []
CMD ["haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"]

# llm-deploy-bench-collector: the collector alone, to run it on every node of a swarm. Node, the two npm
# packages the collector imports (better-sqlite3, dockerode, built here for the image's OS) and its
# compiled JavaScript; nothing of the service, the reporter or the load generator.
# Built by deploy/collector-image.sh from a small context it assembles (package files and dist/).

# ---- dependencies: only the collector workspace's, without dev tools ----
FROM node:24-bookworm-slim AS deps
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers shipped in the base image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# The lockfile names every workspace, so each part's package.json is here (only those files).
COPY packages/ ./
RUN npm ci --omit=dev --workspace collector --no-audit --no-fund \
 && rm -rf node_modules/@llm-deploy-bench \
 && node -e "require('better-sqlite3')(':memory:').close(); require('dockerode')"

# ---- runtime ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# package.json marks dist/ as ES modules; schema.sql is what the collector applies to a new database.
COPY packages/package.json ./
COPY collector/schema.sql ./collector/schema.sql
COPY dist ./dist
LABEL llm-deploy-bench.image=collector
ENTRYPOINT ["node", "dist/collector/cli.js"]
CMD ["status"]

# llm-inference-image: the inference service (node dist/service/main.js) with the bundled model.
# Only FROM, WORKDIR, COPY, ENV, RUN, EXPOSE, CMD (the set the courses require) and classic-builder
# syntax, so `docker build -t llm-inference-image .` works with or without BuildKit.
# There is no USER instruction in that set: every deployment runs it as 1000:1000 (--user / user:).

# ---- build stage: all dependencies, TypeScript compile ----
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers shipped in the base image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Dependencies first: these layers stay cached until package*.json or .npmrc change.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
# The production-only copy is made here, before any source is copied, so that a code change
# does not produce a new 500 MB node_modules layer in the runtime image.
RUN mkdir /prod \
 && cp -a package.json package-lock.json .npmrc node_modules /prod/ \
 && cd /prod && npm prune --omit=dev --no-audit --no-fund
# Drop what cannot run here (≈390 MB): onnxruntime-node ships binaries for every OS and CPU, and
# onnxruntime-web is already bundled into the Node build of transformers (only browsers import it).
# The import at the end proves the trimmed tree still loads transformers and its native ONNX runtime.
RUN arch=$(node -p process.arch) \
 && find /prod/node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && find /prod/node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -path '*/linux/*' ! -name "$arch" -exec rm -rf {} + \
 && rm -rf /prod/node_modules/onnxruntime-web \
 && cd /prod && node --input-type=module -e "await import('@huggingface/transformers')"
COPY tsconfig.json ./
COPY service ./service
RUN npx tsc -p tsconfig.json

# ---- runtime stage ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The service (uid 1000) writes its CSV log in the working directory.
RUN chown 1000:1000 /app
COPY --from=build /prod/node_modules ./node_modules
COPY data/models ./data/models
COPY package.json ./
COPY --from=build /app/dist ./dist
ENV PORT=5000
ENV HOST=0.0.0.0
ENV METRICS_LOG_FILE=docker_system_inference_metrics.csv
EXPOSE 5000
# node directly (not npm): the service's own SIGTERM handler runs; deployments add --init as well.
CMD ["node", "dist/service/main.js"]

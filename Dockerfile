# llm-inference-image: the inference service (node dist/service/main.js) with the bundled model.
# Only FROM, WORKDIR, COPY, ENV, RUN, EXPOSE, CMD (the set the courses require) and syntax the legacy
# builder understands, so `docker build -t llm-inference-image .` works with or without BuildKit.
# There is no USER instruction in that set: every deployment runs it as 1000:1000 (--user / user:).
# The image carries the service's runtime dependencies only (service/package.json), not the toolkit's.

# ---- build stage: the service's dependencies, TypeScript compile ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# npm ci in a workspace project needs the root manifest, the lock file and every part's package.json.
# Dependencies first: these layers stay cached until a package.json or the lock file change.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY common/package.json common/
COPY service/package.json service/
COPY collector/package.json collector/
COPY reporter/package.json reporter/
COPY load/package.json load/
COPY experiment/package.json experiment/
COPY deploy/package.json deploy/
COPY bench/package.json bench/
# The runtime tree: the service part's production dependencies and nothing else. It is made here,
# before any source is copied, so that a code change does not produce a new node_modules layer in the
# runtime image. The workspace link is dropped: parts import each other by relative path.
# onnxruntime-node's install script would download CUDA libraries that the CPU build never loads (and no
# download answers offline): npm 11 skips it, as package.json's allowScripts says.
RUN cp -a /app /prod \
 && cd /prod && npm ci --omit=dev --workspace service --no-audit --no-fund \
 && rm -rf node_modules/@llm-deploy-bench
# Drop what cannot run here (≈390 MB): onnxruntime-node ships binaries for every OS and CPU, and
# onnxruntime-web is already bundled into the Node build of transformers (only browsers import it).
# The import at the end proves the trimmed tree still loads transformers and its native ONNX runtime.
RUN arch=$(node -p process.arch) \
 && find /prod/node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && find /prod/node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -path '*/linux/*' ! -name "$arch" -exec rm -rf {} + \
 && rm -rf /prod/node_modules/onnxruntime-web \
 && cd /prod && node --input-type=module -e "await import('@huggingface/transformers')"
# The compile tree: the service's dependencies plus the root's dev tools (TypeScript, type packages).
RUN npm ci --workspace service --include-workspace-root --no-audit --no-fund
COPY tsconfig.json ./
COPY contracts ./contracts
COPY common ./common
COPY service ./service
# The service's entry points and what they import (service/tsconfig.image.json), into dist/.
RUN npx tsc -p service/tsconfig.image.json

# ---- runtime stage ----
FROM node:24-bookworm-slim
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

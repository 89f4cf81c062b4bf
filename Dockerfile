# syntax=docker/dockerfile:1
# Runwarden sidecar image. Runwarden is TypeScript run by Node 24's type stripping: no build step,
# so the image is Node, the production dependencies and the sources.
#
# Size: the node:24-slim image alone is about 225 MB unpacked (Debian slim ~75 MB, the node binary
# ~127 MB, npm, corepack, yarn, headers), over the 200 MB the image must stay under. So the last
# stage is not node:24-slim but distroless's glibc base (glibc, libstdc++, CA certificates, no
# shell, ~23 MB) with the node binary of node:24-slim, stripped of its debug symbols (127 -> 109 MB),
# and the production dependencies without type declarations, source maps, docs and the OTel
# packages' unused CommonJS copies (28 -> 14 MB). About 150 MB unpacked; deploy/README.md has the
# numbers.
#
#   docker build -t runwarden .
#   docker run -p 7171:7171 -p 9464:9464 -v runwarden-data:/data runwarden

ARG NODE_IMAGE=node:24-slim

# --- deps: production dependencies only, pruned of what nothing loads at run time ---------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out vitest, typescript and the pinned `node` devDependency (this image's node
# is already 24, so bin/runwarden.js never needs it). --ignore-scripts: no install script runs.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' \) -delete \
 && find node_modules/@opentelemetry -type f -name '*.cjs' -delete \
 && npm cache clean --force

# --- node: the node binary of the same image, without its symbol table and debug info --------
# (the dynamic symbols native addons link against stay).
FROM ${NODE_IMAGE} AS node
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && strip --strip-all -o /node /usr/local/bin/node \
 && /node --version \
 && mkdir -p /data

# --- runtime -----------------------------------------------------------------------------------
# :nonroot runs as uid/gid 65532; nothing in the image runs as root.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=node /node /usr/local/bin/node
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY alerts ./alerts
# The store (SQLite, WAL) lives here; a volume so that runs, spans not yet exported and alert
# state survive a container restart.
COPY --from=node --chown=65532:65532 /data /data
VOLUME ["/data"]
USER 65532:65532

# In a container the API must listen beyond loopback (its default is 127.0.0.1:7171 for a
# sidecar process on a laptop); set RUNWARDEN_TOKEN(_FILE) when anything else can reach it.
ENV NODE_ENV=production \
    RUNWARDEN_LISTEN=0.0.0.0:7171 \
    RUNWARDEN_METRICS_LISTEN=0.0.0.0:9464 \
    RUNWARDEN_DATA_DIR=/data
EXPOSE 7171 9464

# No curl in the image: node's own fetch asks the metrics listener's /healthz (no token needed).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/local/bin/node", "/app/bin/runwarden.js"]
CMD ["serve"]

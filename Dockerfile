# The Courier proxy image: Bun plus proxy/ and its runtime npm packages.
# Build: docker build -t ghcr.io/courier-dev/courier:0.1.0 .
# The pod spec from CourierProxy runs it as uid 65532 on a read-only root filesystem
# with an emptyDir on /tmp, and starts it as `courier serve`.

# Stage 1: runtime dependencies exactly as locked in package-lock.json. Install scripts
# are skipped: the base image already brings the Bun runtime.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 2: the runtime.
FROM oven/bun:1.4.5-slim
WORKDIR /app
ENV NODE_ENV=production \
    # The root filesystem is read-only: keep Bun from writing a transpiler cache.
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=0
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY proxy ./proxy
# `courier` on PATH, so the container command reads like the CLI.
RUN printf '#!/bin/sh\nexec bun /app/proxy/bin/courier.ts "$@"\n' > /usr/local/bin/courier \
 && chmod 0755 /usr/local/bin/courier
# A fixed non-root uid/gid that matches the pod's securityContext; no home, no shell login.
USER 65532:65532
EXPOSE 443 9090
ENTRYPOINT ["courier"]
CMD ["serve"]

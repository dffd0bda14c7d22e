# syntax=docker/dockerfile:1
# GridProof image: build with the full toolchain, run with production dependencies only.
# Validated here only by `docker-compose config` (no Docker engine in CI); see docs/operators.md.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source change does not reinstall them. Scripts are off for `npm ci`
# because the root `prepare` script builds sources that are not copied yet; `npm rebuild` then
# runs the dependencies' own install scripts.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    GP_HOST=0.0.0.0 \
    GP_DATA_DIR=/data \
    GP_API_PORT=3000 \
    GP_MQTT_PORT=1883 \
    GP_MQTT_WS_PORT=8083
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/firmware-sim/fleets ./firmware-sim/fleets
# The image's `node` user (uid 1000) owns only the data volume.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 1883 8083
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=8 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GP_API_PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=64", "dist/apps/gridproof/src/main.js"]

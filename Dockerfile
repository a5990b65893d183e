# es-gateway's container image (README "Deploy"). Two stages: `build` compiles TypeScript with the
# dev dependencies and prunes them; the runtime stage gets dist/ and the production dependencies
# only. BASE is any Debian image with Node 24 and npm: the official `node:24-bookworm-slim` by
# default; `npm run image` passes a local one it makes (Debian minbase + Node 24 from npm) where no
# registry is reachable.
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
# Extra CAs for npm behind a TLS-intercepting proxy (a file mounted into the build): build stage only.
ARG NODE_EXTRA_CA_CERTS
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /build
COPY package.json package-lock.json ./
# npm's cache as a build cache mount: a rebuild after a source change downloads nothing again.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM ${BASE}
# tini as PID 1: forwards SIGTERM to Node (so the graceful drain runs) and reaps zombies (-s: also
# when something else is PID 1, as under `buildah run`). Bases that already carry it skip apt.
RUN if [ ! -x /usr/bin/tini ]; then \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --gid 10001 esgw \
 && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin esgw \
 && mkdir -p /var/lib/es-gateway/spool \
 && chown 10001:10001 /var/lib/es-gateway/spool
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GATEWAY_SPOOL_DIR=/var/lib/es-gateway/spool
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# The OpenAPI document, served at /openapi.json and /docs.
COPY openapi/openapi.json ./openapi/openapi.json
# The spool (segment files and replay cursor): a volume, so it outlives the container.
VOLUME ["/var/lib/es-gateway/spool"]
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "-s", "--"]
# The V8 flags and the telemetry preload of src/runtime-flags.ts (scripts/image.ts checks that they match).
CMD ["node", "--max-old-space-size=128", "--v8-pool-size=2", "--max-semi-space-size=4", "--initial-old-space-size=128", "--no-allocation-site-pretenuring", "--expose-gc", "--import", "./dist/telemetry/otel-preload.js", "dist/main.js"]

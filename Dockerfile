# syntax=docker/dockerfile:1
# The federation hub as a container: built from this repository, run as a non-root user on Node 24 LTS.
#   docker build -t federation-hub .
#   docker run -e DATABASE_URL=… -e SMTP_URL=… -e PUBLIC_URL=https://hub.example.org \
#     -e HUB_SIGNING_KEY="$(cat hub-signing-key.pem)" -e ADMIN_TOKEN=… -p 8080:8080 federation-hub
# Production needs DATABASE_URL: the embedded PostgreSQL (an optional dependency) is not in the image.

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, compile both packages --------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/client/package.json packages/client/tsconfig.json packages/client/
COPY packages/server/package.json packages/server/tsconfig.json packages/server/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages/client/src packages/client/src
COPY packages/server/src packages/server/src
COPY packages/server/migrations packages/server/migrations
RUN npm run build

# --- deps: runtime dependencies only (no dev, no optional: no embedded PostgreSQL) -------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=deps /app/package.json package.json
COPY --from=build /src/packages/client/package.json packages/client/package.json
COPY --from=build /src/packages/client/dist packages/client/dist
COPY --from=build /src/packages/server/package.json packages/server/package.json
COPY --from=build /src/packages/server/dist packages/server/dist
COPY LICENSE .env.example ./
# The image's own unprivileged user (uid 1000); the hub writes nothing but its logs (stdout).
USER node
EXPOSE 8080
# /readyz answers 200 only when the database answers (fetch is built into Node: no curl in the image).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Secrets (HUB_SIGNING_KEY, ADMIN_TOKEN, SMTP_URL credentials, DATABASE_URL) come from the environment only.
CMD ["node", "--max-old-space-size=256", "--max-semi-space-size=8", "packages/server/dist/src/main.js"]

# One image for the three apps: the command chooses which one runs (the API by default).
#   docker build -t block-queue-manager .
#   docker run ... block-queue-manager                                                  # the API
#   docker run ... block-queue-manager node --enable-source-maps dist/apps/consumer/src/main.js
#   docker run ... block-queue-manager node --enable-source-maps dist/apps/producer/src/main.js
# docker-compose.yml runs them all, with Redis.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every dependency, the same Nx build as natively (`npm run build`) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build -p api consumer producer --output-style=static

# --- deps: the production dependencies only (what dist/ requires at run time) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# TypeScript stays in a --omit=dev install (an optional peer of viem and @bull-board/api, for their
# types only); nothing requires it at run time.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
 && npm cache clean --force

# --- runtime: dist/ + production node_modules + package.json, the sample data, as `node` ---
FROM ${NODE_IMAGE} AS runtime
# JSON logs even under `docker run -t` (LOG_FORMAT=pretty for readable lines).
ENV NODE_ENV=production \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
USER node
EXPOSE 5000
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]

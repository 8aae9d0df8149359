# motoguard API and worker image (docker-compose.yml runs it as `api`, `worker` and a one-shot `migrate`).
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    EVIDENCE_ROOT=/data/evidence \
    FOOTAGE_ROOT=/data/footage \
    MODEL_CACHE_DIR=/data/models \
    AUDIT_CHECKPOINT_FILE=/data/audit/checkpoints.jsonl \
    AUDIT_KEY_DIR=/data/audit/keys \
    HOST=0.0.0.0

# `npm ci` runs `prisma generate` (postinstall), which needs the schema; tsx runs the TypeScript directly.
COPY package.json package-lock.json .npmrc prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY models ./models
COPY fixtures ./fixtures
RUN npm run build:web

RUN mkdir -p /data/evidence /data/footage /data/models /data/audit && chown -R node:node /data
USER node
EXPOSE 3000
CMD ["npm", "start"]

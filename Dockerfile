# One image for the bot and the CPU worker; the GPU worker image (Dockerfile.gpu) adds sd-scripts.
FROM node:24.21.0-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# Kiln never needs root: it runs as the image's `node` user and owns only its data folder.
RUN mkdir -p /data && chown node:node /data
USER node
ENV NODE_ENV=production DATA_DIR=/data
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "bin/kiln.js", "healthcheck"]
ENTRYPOINT ["node", "bin/kiln.js"]
CMD ["start"]

# One image for the bot and the CPU worker; the GPU worker image extends it with sd-scripts.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production DATA_DIR=/data
ENTRYPOINT ["node", "bin/kiln.js"]
CMD ["start"]

# Build stage: dependencies, Prisma client, compiled dist/.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
RUN node scripts/build.cjs --force && npm prune --omit=dev

# Runtime: Node plus the Debian tools the agent needs (sandbox, search, snapshots).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap ripgrep git curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/src/generated ./src/generated
COPY package.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
EXPOSE 4096
CMD ["node", "dist/main.js"]

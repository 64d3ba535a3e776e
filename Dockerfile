# Multi-stage build: compile with the full toolchain, run on a slim image with only production dependencies
# plus the tools the agent's tools call (bubblewrap for the bash sandbox, ripgrep for grep/glob, git for snapshots).
# Node 24 (the LTS line); package.json's engines say what the dependencies need (>= 22.15). No `# syntax=` line:
# BuildKit would pull its frontend image from a registry first, which an offline build cannot.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# npm_config_nodedir: node-gyp builds against the headers the image ships instead of downloading them.
ENV PRISMA_HIDE_UPDATE_MESSAGE=1 npm_config_nodedir=/usr/local
# node-pty (the /pty terminals) compiles its openpty binding with node-gyp: it ships no Linux prebuild.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Only what the install's postinstall (`prisma generate`) reads, so a change elsewhere keeps the npm install layer.
COPY scripts/prisma.cjs ./scripts/
COPY prisma ./prisma
COPY prisma.config.ts ./
# npm install, not npm ci: the lockfile made on Linux lacks other platforms' optional packages (README).
# The postinstall runs `prisma generate` (needs no database).
RUN npm install --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY scripts ./scripts
COPY src ./src
RUN node scripts/prisma.cjs generate && node scripts/build.cjs --force
# node-pty ships prebuilt binaries for macOS and Windows only (58 MB); on Linux it loads the build/Release it compiled.
RUN npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/node-pty/prebuilds

FROM node:24-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap slirp4netns nftables ripgrep git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# A young generation of 64 MB semi-spaces (V8's default is 16): a streaming process makes short-lived objects for every
# token, and with small semi-spaces they outlive a scavenge, are promoted and cost mark-compacts (docs/operations.md).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4096 DATA_DIR=/data PRISMA_HIDE_UPDATE_MESSAGE=1 \
  NODE_OPTIONS=--max-semi-space-size=64
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./
COPY --from=build /app/scripts ./scripts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4096
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]

# monai-pod-bot: the Slack bot in a container, running as the image's non-root `node` user.
#   docker compose up -d --build        (see compose.yaml)
# Both stages use the same base so the native module built here (better-sqlite3) matches the
# runtime's Node ABI and glibc.

FROM node:20.20-bookworm-slim AS build
# better-sqlite3 normally downloads a prebuilt binary; these let it compile when none fits
# (or the build has no route to GitHub). They stay in this stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Dependencies first, in their own layer, so editing src/ does not reinstall them. The lifecycle
# scripts are skipped here because `prepare` runs the TypeScript build, and src/ is not copied yet;
# then only the packages package.json's allowScripts trusts with a native part are built
# (ssh2's crypto binding is optional: it falls back to pure JS if it cannot compile).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 ssh2

COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ ./scripts/
COPY src/ ./src/
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund


FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATABASE_PATH=/data/monai-pod-bot.sqlite \
    SSH_PRIVATE_KEY_PATH=/data/ssh/id_ed25519 \
    HEALTH_PORT=8080
WORKDIR /app

# The code stays owned by root, so the bot cannot modify itself; it writes only to /data.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# A new named volume takes this directory's ownership, so the bot (uid 1000) can create its
# database there; the SSH key is mounted at /data/ssh.
# The marker tells the bot it runs in this image: its fixes then name the container's paths and,
# for the SSH key, the host's ./data/ssh that compose.yaml mounts (src/util/host.ts).
RUN mkdir -p /data/ssh /data/logs && chown -R node:node /data && touch /app/.monai-pod-bot-image
VOLUME /data
USER node

# 3000: Slack's requests in HTTP mode (and /healthz there). 8080: /healthz in either mode.
EXPOSE 3000 8080
# The bot serves /healthz on HEALTH_PORT in both modes (and on PORT in HTTP mode); with HEALTH_PORT
# empty the probe follows PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# Not `npm start`: its prestart hook runs the TypeScript build, and the compiler was pruned.
# Node receives SIGTERM directly and finishes its shutdown within 10 s (docker stop waits 10 s:
# compose.yaml allows 15).
CMD ["node", "dist/main.js"]

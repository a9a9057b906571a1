import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Who the bot runs as, and where: what a fix for a file it cannot read or write must name. */
export interface Host {
  /** The user name for chown (or the uid when the system has no name for it). */
  user: string;
  /** In the project's Docker image, where /data is a volume and /data/ssh the host's ./data/ssh. */
  inContainer: boolean;
}

/**
 * Written by the Dockerfile beside dist/ (/app/.monai-pod-bot-image). Any container is not enough:
 * the fixes name this image's mounts, which only compose.yaml sets up.
 */
const IMAGE_MARKER = fileURLToPath(new URL('../../.monai-pod-bot-image', import.meta.url));

export function currentHost(): Host {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'the bot’s user');
  }
  return { user, inContainer: existsSync(IMAGE_MARKER) };
}

/** compose.yaml mounts the host's ./data/ssh here, read-only; the image's user is uid 1000. */
const CONTAINER_SSH_MOUNT = '/data/ssh';
const CONTAINER_UID = '1000';

/**
 * A fix that gives `path` to the bot's user. Inside the container a file under the SSH mount is
 * fixed on the host, in the folder holding compose.yaml; anywhere else, on this machine.
 */
export function ownershipFix(path: string, host: Host, mode: '600' | '700'): string {
  if (host.inContainer && (path === CONTAINER_SSH_MOUNT || path.startsWith(`${CONTAINER_SSH_MOUNT}/`))) {
    const onHost = posix.join('data/ssh', posix.relative(CONTAINER_SSH_MOUNT, path));
    return `on the Docker host, in the folder with compose.yaml (it mounts ./data/ssh at ${CONTAINER_SSH_MOUNT}, read-only): sudo chown ${CONTAINER_UID}:${CONTAINER_UID} ${onHost} && sudo chmod ${mode} ${onHost}, then docker compose up -d`;
  }
  return `sudo chown ${host.user}: ${path} && sudo chmod ${mode} ${path}`;
}

/** How to make the bot a key at `path` (where a new one is what is needed). */
export function keygenFix(path: string, host: Host): string {
  if (host.inContainer && path.startsWith(`${CONTAINER_SSH_MOUNT}/`)) {
    const onHost = posix.join('data/ssh', posix.relative(CONTAINER_SSH_MOUNT, path));
    return `on the Docker host, in the folder with compose.yaml (it mounts ./data/ssh at ${CONTAINER_SSH_MOUNT}): mkdir -p data/ssh && ssh-keygen -t ed25519 -N "" -C monai-pod-bot -f ${onHost} && sudo chown ${CONTAINER_UID}:${CONTAINER_UID} ${onHost}, then docker compose up -d`;
  }
  return `ssh-keygen -t ed25519 -N "" -C monai-pod-bot -f ${path}  (or set SSH_PRIVATE_KEY_PATH to the bot’s existing key)`;
}

import { access, constants, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import { BotError } from '../errors.js';
import { currentHost, keygenFix, ownershipFix, type Host } from '../util/host.js';

export interface KeyPair {
  /** OpenSSH or PEM private key text. */
  privateKey: string;
  /** One authorized_keys line, e.g. "ssh-ed25519 AAAA… monai-pod-bot". */
  publicKey: string;
  type: string;
}

// Required on first use, not imported: ssh2 costs ~15 MB that an idle bot does not need.
const require = createRequire(import.meta.url);
const ssh2 = (): typeof Ssh2 => require('ssh2') as typeof Ssh2;

const SUPPORTED = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

export function parseKeyPair(text: string, where: string): KeyPair {
  const parsed = ssh2().utils.parseKey(text);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new BotError('SSH_KEY_UNREADABLE', {
      message: encrypted
        ? `The SSH key at ${where} is protected by a passphrase, which the bot cannot type.`
        : `The file at ${where} is not an SSH private key the bot can read (${parsed.message}).`,
      action: encrypted
        ? `Make a key without a passphrase for the bot: ssh-keygen -t ed25519 -N "" -f ${where}`
        : `Point SSH_PRIVATE_KEY_PATH at a private key, e.g. one made with: ssh-keygen -t ed25519 -N "" -f ${where}`,
    });
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) {
    throw new BotError('SSH_KEY_UNREADABLE', { message: `${where} holds a public key; the bot needs the private one (without .pub).` });
  }
  if (!SUPPORTED.has(key.type)) {
    throw new BotError('SSH_KEY_UNREADABLE', { message: `SSH keys of type ${key.type} are not supported; use ed25519 or RSA.` });
  }
  return { privateKey: text, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} monai-pod-bot`, type: key.type };
}

/**
 * Reads the key now and parses it when the public key is first needed (a deploy, a check):
 * a missing or unreadable file still stops start-up.
 */
export async function loadKeyPairLazily(path: string, host: Host = currentHost()): Promise<KeyPair> {
  const text = await readKeyText(path, host);
  const header = peekOpenSshKey(text);
  if (!header || header.encrypted || !SUPPORTED.has(header.type)) return parseKeyPair(text, path);
  let parsed: KeyPair | null = null;
  const parse = () => (parsed ??= parseKeyPair(text, path));
  return {
    privateKey: text,
    get publicKey() {
      return parse().publicKey;
    },
    type: header.type,
  };
}

/**
 * The cipher and key type from an OpenSSH private key's unencrypted header, or null for other formats.
 * Enough to fail fast at start-up without loading ssh2.
 */
export function peekOpenSshKey(text: string): { encrypted: boolean; type: string } | null {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (!body) return null;
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.toString('latin1', 0, magic.length) !== magic) return null;
  let offset = magic.length;
  const next = (): Buffer | null => {
    if (offset + 4 > bytes.length) return null;
    const length = bytes.readUInt32BE(offset);
    if (offset + 4 + length > bytes.length) return null;
    const field = bytes.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return field;
  };
  const cipher = next();
  next(); // kdf name
  next(); // kdf options
  offset += 4; // number of keys
  const publicKey = next();
  if (!cipher || !publicKey || publicKey.length < 4) return null;
  const typeLength = publicKey.readUInt32BE(0);
  return { encrypted: cipher.toString('latin1') !== 'none', type: publicKey.toString('latin1', 4, 4 + typeLength) };
}

export async function loadKeyPair(path: string, host: Host = currentHost()): Promise<KeyPair> {
  return parseKeyPair(await readKeyText(path, host), path);
}

async function readKeyText(path: string, host: Host): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw await unreadableKey(path, (error as { code?: string }).code, host);
  }
}

/**
 * Why the key cannot be read, and the fix. A key that exists but belongs to someone else (root made
 * it, the service runs as another user) must never be answered with ssh-keygen: a new key would
 * replace the one the pods already trust.
 */
async function unreadableKey(path: string, code: string | undefined, host: Host): Promise<BotError> {
  if (code === 'ENOENT') {
    return new BotError('SSH_KEY_UNREADABLE', { message: `There is no SSH key at ${path}.`, action: `Create one for the bot: ${keygenFix(path, host)}` });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    const folder = dirname(path);
    const folderClosed = await access(folder, constants.X_OK).then(
      () => false,
      () => true,
    );
    const keep = 'Do not make a new key: the pods already trust this one.';
    if (folderClosed) {
      return new BotError('SSH_KEY_UNREADABLE', {
        message: `The bot’s user (${host.user}) cannot open the folder ${folder}, which holds the SSH key ${path} (permission denied).`,
        action: `${keep} Give the folder and the key to that user: ${ownershipFix(folder, host, '700')}; then ${ownershipFix(path, host, '600')}`,
      });
    }
    return new BotError('SSH_KEY_UNREADABLE', {
      message: `The SSH key at ${path} exists, but the bot’s user (${host.user}) cannot read it (permission denied: it belongs to another user, or its mode shuts the bot out).`,
      action: `${keep} Give it to the bot’s user: ${ownershipFix(path, host, '600')}`,
    });
  }
  if (code === 'EISDIR') {
    return new BotError('SSH_KEY_UNREADABLE', { message: `${path} is a folder; SSH_PRIVATE_KEY_PATH must name the private key file in it.`, action: `Set SSH_PRIVATE_KEY_PATH to the key file, e.g. ${path.replace(/\/$/, '')}/id_ed25519.` });
  }
  return new BotError('SSH_KEY_UNREADABLE', { message: `The SSH key at ${path} cannot be read (${code ?? 'error'}).`, action: 'Check SSH_PRIVATE_KEY_PATH and the file.' });
}

/** A throwaway key, for the console's simulated pods. */
export function generateKeyPair(): KeyPair {
  // ssh2 occasionally emits an ed25519 key it cannot parse back (mscdex/ssh2#1390): draw again.
  for (let attempt = 1; ; attempt++) {
    const keys = ssh2().utils.generateKeyPairSync('ed25519', { comment: 'monai-pod-bot' });
    try {
      return parseKeyPair(keys.private, 'a generated key');
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { BotError } from '../errors.js';

export interface KeyPair {
  /** OpenSSH or PEM private key text. */
  privateKey: string;
  /** One authorized_keys line, e.g. "ssh-ed25519 AAAA… monai-pod-bot". */
  publicKey: string;
  type: string;
}

const SUPPORTED = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

export function parseKeyPair(text: string, where: string): KeyPair {
  const parsed = ssh2.utils.parseKey(text);
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

export async function loadKeyPair(path: string): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BotError('SSH_KEY_UNREADABLE', {
      message: code === 'ENOENT' ? `There is no SSH key at ${path}.` : `The SSH key at ${path} cannot be read (${code ?? 'error'}).`,
      action: `Create one for the bot with: ssh-keygen -t ed25519 -N "" -f ${path}  (or set SSH_PRIVATE_KEY_PATH).`,
    });
  }
  return parseKeyPair(text, path);
}

/** A throwaway key, for the console's simulated pods. */
export function generateKeyPair(): KeyPair {
  // ssh2 occasionally emits an ed25519 key it cannot parse back (mscdex/ssh2#1390): draw again.
  for (let attempt = 1; ; attempt++) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'monai-pod-bot' });
    try {
      return parseKeyPair(keys.private, 'a generated key');
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

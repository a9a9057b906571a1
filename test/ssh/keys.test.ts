import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKeyPair, loadKeyPairLazily, peekOpenSshKey } from '../../src/ssh/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: string, passphrase = ''): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'lab', '-f', path]);
  return path;
}

describe('the bot’s SSH key', () => {
  it('reads the key types ssh-keygen makes and gives the line that goes onto the pod', async () => {
    for (const [type, expected] of [['ed25519', 'ssh-ed25519'], ['rsa', 'ssh-rsa'], ['ecdsa', 'ecdsa-sha2-nistp256']] as const) {
      const path = keygen(`id_${type}`, type);
      const pair = await loadKeyPair(path);
      const openssh = readFileSync(`${path}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      expect(pair.type).toBe(expected);
      expect(pair.publicKey).toBe(`${openssh} monai-pod-bot`);
      expect(peekOpenSshKey(readFileSync(path, 'utf8'))).toEqual({ encrypted: false, type: expected });
    }
  });

  it('defers parsing to first use but gives the same public key', async () => {
    const path = keygen('lazy', 'ed25519');
    const lazy = await loadKeyPairLazily(path);
    expect(lazy.privateKey).toBe(readFileSync(path, 'utf8'));
    expect(lazy.publicKey).toBe((await loadKeyPair(path)).publicKey);
  });

  it('refuses at start-up, with the command to fix it, a key with a passphrase, a public key, or no file', async () => {
    const locked = keygen('locked', 'ed25519', 'secret words');
    await expect(loadKeyPairLazily(locked)).rejects.toMatchObject({
      code: 'SSH_KEY_UNREADABLE',
      message: expect.stringContaining('passphrase'),
      action: expect.stringContaining('ssh-keygen -t ed25519 -N ""'),
    });
    await expect(loadKeyPairLazily(`${keygen('pub', 'ed25519')}.pub`)).rejects.toMatchObject({ code: 'SSH_KEY_UNREADABLE' });
    await expect(loadKeyPairLazily(join(dir, 'missing'))).rejects.toMatchObject({
      message: expect.stringContaining('There is no SSH key'),
      action: expect.stringContaining('SSH_PRIVATE_KEY_PATH'),
    });
    const junk = join(dir, 'junk');
    writeFileSync(junk, '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n');
    await expect(loadKeyPairLazily(junk)).rejects.toMatchObject({ code: 'SSH_KEY_UNREADABLE' });
  });
});

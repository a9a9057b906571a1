import { randomBytes } from 'node:crypto';
import type { Pod } from '../runpod/api.js';
import type { MetaRepo, PodRegistry } from '../store/store.js';

/**
 * Set in the environment of every pod the bot deploys: this installation's id. Credentials and
 * setup scripts go only to a pod with this mark, or to one an admin adopted explicitly.
 */
export const OWNER_ENV = 'MONAI_POD_BOT_OWNER';

/** Whose pods are whose: the installation's mark and the pods admins adopted. */
export interface Ownership {
  installationId: string;
  adopted: ReadonlySet<string>;
}

export function isOurs(pod: Pod, ownership: Ownership): boolean {
  return pod.env[OWNER_ENV] === ownership.installationId || ownership.adopted.has(pod.id);
}

const ID_KEY = 'installation_id';
const TOKEN_KEY = 'gate_token';
const ADOPTED_KEY = 'adopted_pods';

/** 24 random bytes: 192 bits, 32 URL-safe characters. */
const TOKEN_BYTES = 24;

export interface AdoptedPod {
  podId: string;
  by: string;
  at: number;
}

/**
 * What makes this installation of the bot itself, kept in the database's meta table: its id (the
 * mark on the pods it deploys), the pods an admin adopted, and the secret path segment of the URL
 * that the gate on the pod admits (the same across resumes; replaced by `/monai new-url`).
 */
export class Installation {
  private id: string | null = null;
  private token: string | null = null;

  constructor(
    private readonly deps: {
      meta: MetaRepo;
      pods: PodRegistry;
      podName: string;
      /** Hears every token, so that the log can keep it out (messages may show it). */
      onToken?: (token: string) => void;
      random?: (bytes: number) => Buffer;
    },
  ) {}

  private random(bytes: number): Buffer {
    return (this.deps.random ?? randomBytes)(bytes);
  }

  /** Generated once. A pod the bot already worked with before pods were marked stays its own. */
  async installationId(): Promise<string> {
    if (this.id) return this.id;
    const { meta, pods, podName } = this.deps;
    let id = await meta.get(ID_KEY);
    if (!id) {
      id = this.random(12).toString('hex');
      const pinned = await pods.get(podName);
      if (pinned) await this.adopt(pinned.podId, 'upgrade', Date.now());
      await meta.set(ID_KEY, id);
    }
    this.id = id;
    return id;
  }

  async gateToken(): Promise<string> {
    if (this.token) return this.token;
    let token = await this.deps.meta.get(TOKEN_KEY);
    if (!token) {
      token = this.random(TOKEN_BYTES).toString('base64url');
      await this.deps.meta.set(TOKEN_KEY, token);
    }
    this.deps.onToken?.(token);
    this.token = token;
    return token;
  }

  /** A new secret path: the gate admits only it once it is restarted with it. */
  async newGateToken(): Promise<string> {
    const token = this.random(TOKEN_BYTES).toString('base64url');
    await this.deps.meta.set(TOKEN_KEY, token);
    this.deps.onToken?.(token);
    this.token = token;
    return token;
  }

  async adoptedPods(): Promise<AdoptedPod[]> {
    const raw = await this.deps.meta.get(ADOPTED_KEY);
    return raw ? (JSON.parse(raw) as AdoptedPod[]) : [];
  }

  async adopt(podId: string, by: string, at: number): Promise<void> {
    const list = (await this.adoptedPods()).filter((entry) => entry.podId !== podId);
    await this.deps.meta.set(ADOPTED_KEY, JSON.stringify([...list, { podId, by, at }]));
  }

  async ownership(): Promise<Ownership> {
    return { installationId: await this.installationId(), adopted: new Set((await this.adoptedPods()).map((entry) => entry.podId)) };
  }
}

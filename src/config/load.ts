import { BotError } from '../errors.js';
import { diagnoseValue, fixFor, SLACK_TOKEN_FIX, type ConfigIssue } from './fixes.js';
import { MIN_SECRET_LENGTH } from '../redact.js';
import { cudaOfImage } from '../runpod/images.js';
import { VARIABLES, type VariableName, type VariableValue } from './variables.js';

export type { ConfigIssue };

export type Env = Readonly<Record<string, string | undefined>>;

export interface SlackConfig {
  botToken: string;
  signingSecret: string | undefined;
  appToken: string | undefined;
  apiUrl: string;
  port: number;
}

export interface RunPodSettings {
  api: 'v2' | 'graphql';
  apiKey: string | undefined;
  /** The v2 base (…/v2) or the GraphQL endpoint (…/graphql), whichever `api` says. */
  apiUrl: string;
  /** Where the balance is read: v2 has no balance route, GraphQL does while it lives. */
  graphqlUrl: string;
}

export const RUNPOD_URLS = { v2: 'https://api.runpod.io/v2', graphql: 'https://api.runpod.io/graphql' } as const;

/** GraphQL beside a v2 base, as on api.runpod.io: …/v2 → …/graphql. */
export function graphqlBeside(v2Url: string): string {
  const url = new URL(v2Url);
  url.pathname = url.pathname.replace(/\/v2\/?$/, '').replace(/\/$/, '') + '/graphql';
  url.search = '';
  return url.toString();
}

function runpodSettings(api: 'v2' | 'graphql', apiKey: string | undefined, override: string | undefined): RunPodSettings {
  const apiUrl = override ?? RUNPOD_URLS[api];
  return { api, apiKey, apiUrl, graphqlUrl: api === 'graphql' ? apiUrl : graphqlBeside(apiUrl) };
}

export interface PodSettings {
  name: string;
  gpuTypes: readonly string[];
  cloudType: 'COMMUNITY' | 'SECURE' | 'ALL';
  countryCode: string;
  containerDiskGb: number;
  volumeGb: number;
  volumeMountPath: string;
  imageName: string;
  /** RunPod's minCudaVersion: hosts whose driver can run the image's torch build. */
  minCudaVersion: string;
  readyTimeoutMs: number;
  pollMs: number;
}

export interface SshSettings {
  privateKeyPath: string;
  user: string;
  connectTimeoutMs: number;
}

export interface MonaiSettings {
  version: string;
  /** Default models; a /monai start may ask for others. */
  models: readonly string[];
  sam2: boolean;
  /** POD_PYTHON; null: the bot looks for the Python that can import torch. */
  python: string | null;
  /** Undefined only in the console with the simulator, which supplies its own Orthanc. */
  dicomwebUrl: string | undefined;
  dicomwebUsername: string | undefined;
  dicomwebPassword: string | undefined;
  readyTimeoutMs: number;
  pollMs: number;
  doctorMinFreeGb: number;
  /** Routes the gate refuses even with the secret URL (model upload and deletion always). */
  blockedRoutes: readonly string[];
}

export interface CostSettings {
  sampleMs: number;
  retentionDays: number;
  idleMs: number;
  idleGpuPercent: number;
  graceMs: number;
  warnMs: number;
  autostop: 'off' | 'warn' | 'stop';
  quietHours: { from: string; to: string } | null;
  digestCron: string;
  /** The lab's time zone: digest schedule, quiet hours, "until tomorrow". */
  timeZone: string;
  digestChannel: string | undefined;
  staleDays: number;
  runwayWarnDays: number;
}

export interface AccessSettings {
  /** Channels where the pod may be acted on; empty = any. */
  channels: readonly string[];
  /** Users who may act on it; empty = anyone in those channels. */
  users: readonly string[];
  admins: readonly string[];
}

export interface Config {
  /** Where commands come from: Slack over a socket, Slack over HTTP, or the local console. */
  mode: 'socket' | 'http' | 'console';
  slack: SlackConfig | undefined;
  runpod: RunPodSettings;
  pod: PodSettings;
  ssh: SshSettings;
  monai: MonaiSettings;
  costs: CostSettings;
  access: AccessSettings;
  databasePath: string;
  log: {
    level: 'error' | 'warn' | 'info' | 'debug';
    format: 'auto' | 'json' | 'pretty';
    file: { path: string; maxBytes: number; maxFiles: number } | undefined;
  };
  /** Socket Mode's /healthz port; HTTP mode serves /healthz on the Slack port. */
  healthPort: number | undefined;
  /** Run the configuration check at start-up. */
  startupCheck: boolean;
  /** Every secret value, for the redactor. */
  secrets: readonly string[];
}

/** Every configuration mistake found at once, each with its fix. */
export class ConfigError extends BotError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', { message: issues.map((issue) => issue.message).join('\n') });
    this.issues = issues;
  }

  get problems(): string[] {
    return this.issues.map((issue) => issue.message);
  }
}

/** What to do when a variable that is needed is empty. */
const REQUIRED_FIX: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: SLACK_TOKEN_FIX.bot,
  SLACK_SIGNING_SECRET: `${SLACK_TOKEN_FIX.signing} Or use Socket Mode: set SLACK_APP_TOKEN.`,
  RUNPOD_API_KEY: 'create a key at runpod.io → Settings → API Keys (Read/Write) and set RUNPOD_API_KEY; or remove the Slack tokens to try the local console with the simulator.',
  DICOMWEB_URL: 'set DICOMWEB_URL to the Orthanc DICOMweb root the pod can reach, e.g. https://pacs.lab.example.org/dicom-web.',
};
/** MIN_CUDA_VERSION, else the CUDA version IMAGE_NAME's tag names; an image that names none must say it. */
function minCudaVersion(read: Reader): string {
  const image = read.get('IMAGE_NAME') ?? '';
  const cuda = read.get('MIN_CUDA_VERSION') ?? cudaOfImage(image);
  if (cuda) return cuda;
  read.problems.push({
    variable: 'MIN_CUDA_VERSION',
    message: `MIN_CUDA_VERSION: IMAGE_NAME (${image}) does not name its CUDA version in its tag, so the bot cannot tell RunPod which hosts’ drivers can run its PyTorch`,
    fix: 'set MIN_CUDA_VERSION to the CUDA version the image’s PyTorch was built for (e.g. 12.4), or use an image whose tag names it (…-cuda12.4.1-…).',
  });
  return '';
}

class Reader {
  readonly problems: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  isSet(name: VariableName): boolean {
    return (this.env[name] ?? '').trim().length > 0;
  }

  get<N extends VariableName>(name: N): VariableValue<N> | undefined {
    const spec = VARIABLES[name];
    const raw = (this.env[name] ?? '').trim();
    const text = raw.length > 0 ? raw : 'default' in spec ? spec.default : undefined;
    if (text === undefined) return undefined;
    const parsed = spec.schema.safeParse(text);
    if (parsed.success && 'secret' in spec && spec.secret && raw.length < MIN_SECRET_LENGTH) {
      this.problems.push({
        variable: name,
        message: `${name}: a secret shorter than ${MIN_SECRET_LENGTH} characters cannot be told apart from ordinary text, so it could not be kept out of logs and messages`,
        fix: `set ${name} to the full value (at least ${MIN_SECRET_LENGTH} characters).`,
      });
      return undefined;
    }
    if (parsed.success) return parsed.data as VariableValue<N>;
    const diagnosed = diagnoseValue(name, text);
    if (diagnosed) {
      this.problems.push(diagnosed);
      return undefined;
    }
    const message = parsed.error.issues[0]?.message ?? 'invalid value';
    const shown = 'secret' in spec && spec.secret ? '' : ` (got "${text.length > 60 ? `${text.slice(0, 60)}…` : text}")`;
    this.problems.push({ variable: name, message: `${name}: ${message}${shown}`, fix: fixFor(name, message, 'default' in spec ? spec.default : undefined) });
    return undefined;
  }

  /** A value whose default is always valid; falls back to the default's parse when the input was bad. */
  must<N extends VariableName>(name: N): VariableValue<N> {
    const value = this.get(name);
    if (value !== undefined) return value;
    const spec = VARIABLES[name];
    return spec.schema.parse('default' in spec ? spec.default : '') as VariableValue<N>;
  }

  require(name: VariableName, why: string): void {
    if (!this.isSet(name)) this.problems.push({ variable: name, message: `${name}: required ${why}`, fix: REQUIRED_FIX[name] ?? `set ${name}.` });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Reads and checks every variable; throws one ConfigError listing every problem found. */
export function loadConfig(env: Env): Config {
  const read = new Reader(env);

  const botToken = read.get('SLACK_BOT_TOKEN');
  const signingSecret = read.get('SLACK_SIGNING_SECRET');
  const appToken = read.get('SLACK_APP_TOKEN');
  const slackWanted = read.isSet('SLACK_BOT_TOKEN') || read.isSet('SLACK_APP_TOKEN') || read.isSet('SLACK_SIGNING_SECRET');
  if (slackWanted) {
    read.require('SLACK_BOT_TOKEN', 'when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set');
    if (!read.isSet('SLACK_APP_TOKEN')) {
      read.require('SLACK_SIGNING_SECRET', 'in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
    }
    read.require('RUNPOD_API_KEY', 'when Slack is configured (the simulator serves only the local console)');
  }

  const apiKey = read.get('RUNPOD_API_KEY');
  if (read.isSet('RUNPOD_API_KEY')) read.require('DICOMWEB_URL', 'with a RunPod key: MONAI Label reads the studies from it');
  if (read.isSet('DICOMWEB_USERNAME') !== read.isSet('DICOMWEB_PASSWORD')) {
    const [missing, set] = read.isSet('DICOMWEB_USERNAME') ? ['DICOMWEB_PASSWORD', 'DICOMWEB_USERNAME'] : ['DICOMWEB_USERNAME', 'DICOMWEB_PASSWORD'];
    read.problems.push({
      variable: missing,
      message: `${missing}: required when the other DICOMweb credential is set (MONAI Label uses both or neither)`,
      fix: `set ${missing} to the Orthanc user’s ${missing === 'DICOMWEB_PASSWORD' ? 'password' : 'name'}, or empty ${set} too for an Orthanc without a login.`,
    });
  }
  const dicomwebPassword = read.get('DICOMWEB_PASSWORD');
  // Read even when unused, so every problem is reported in one go.
  const apiUrl = read.must('SLACK_API_URL');
  const port = read.must('PORT');
  const logPath = read.get('LOG_FILE');
  const logFileMb = read.must('LOG_FILE_MAX_MB');
  const logFiles = read.must('LOG_FILE_COUNT');
  const logFile = logPath ? { path: logPath, maxBytes: logFileMb * 1024 * 1024, maxFiles: logFiles } : undefined;
  const config: Config = {
    mode: !slackWanted ? 'console' : read.isSet('SLACK_APP_TOKEN') ? 'socket' : 'http',
    slack: slackWanted && botToken ? { botToken, signingSecret, appToken, apiUrl, port } : undefined,
    runpod: runpodSettings(read.must('RUNPOD_API'), apiKey, read.get('RUNPOD_API_URL')),
    pod: {
      name: read.must('POD_NAME'),
      gpuTypes: read.must('GPU_TYPES'),
      cloudType: read.must('CLOUD_TYPE'),
      countryCode: read.must('COUNTRY_CODE'),
      containerDiskGb: read.must('CONTAINER_DISK_GB'),
      volumeGb: read.must('VOLUME_GB'),
      volumeMountPath: read.must('VOLUME_MOUNT_PATH'),
      imageName: read.must('IMAGE_NAME'),
      minCudaVersion: minCudaVersion(read),
      readyTimeoutMs: read.must('POD_READY_TIMEOUT_MINUTES') * 60_000,
      pollMs: read.must('RUNPOD_POLL_SECONDS') * 1000,
    },
    ssh: {
      privateKeyPath: read.must('SSH_PRIVATE_KEY_PATH'),
      user: read.must('SSH_USER'),
      connectTimeoutMs: read.must('SSH_CONNECT_TIMEOUT_SECONDS') * 1000,
    },
    monai: {
      version: read.must('MONAI_LABEL_VERSION'),
      models: read.must('MONAI_MODELS'),
      sam2: read.must('MONAI_SAM2'),
      python: read.get('POD_PYTHON') ?? null,
      dicomwebUrl: read.get('DICOMWEB_URL'),
      dicomwebUsername: read.get('DICOMWEB_USERNAME'),
      dicomwebPassword,
      readyTimeoutMs: read.must('MONAI_READY_TIMEOUT_MINUTES') * 60_000,
      pollMs: read.must('MONAI_POLL_SECONDS') * 1000,
      doctorMinFreeGb: read.must('DOCTOR_MIN_FREE_GB'),
      blockedRoutes: read.must('MONAI_BLOCKED_ROUTES'),
    },
    costs: {
      sampleMs: read.must('SAMPLE_MINUTES') * 60_000,
      retentionDays: read.must('SAMPLE_RETENTION_DAYS'),
      idleMs: read.must('IDLE_MINUTES') * 60_000,
      idleGpuPercent: read.must('IDLE_GPU_PERCENT'),
      graceMs: read.must('IDLE_GRACE_MINUTES') * 60_000,
      warnMs: read.must('WARN_MINUTES') * 60_000,
      autostop: read.must('AUTOSTOP'),
      quietHours: read.must('QUIET_HOURS'),
      digestCron: read.must('DIGEST_CRON'),
      timeZone: read.get('DIGEST_TZ') ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
      digestChannel: read.get('DIGEST_CHANNEL'),
      staleDays: read.must('STALE_DAYS'),
      runwayWarnDays: read.must('RUNWAY_WARN_DAYS'),
    },
    access: {
      channels: read.must('ALLOWED_CHANNEL_IDS'),
      users: read.must('ALLOWED_USER_IDS'),
      admins: read.must('ADMIN_USER_IDS'),
    },
    databasePath: read.must('DATABASE_PATH'),
    log: { level: read.must('LOG_LEVEL'), format: read.must('LOG_FORMAT'), file: logFile },
    healthPort: read.get('HEALTH_PORT'),
    startupCheck: read.must('STARTUP_CHECK') === 'on',
    secrets: [botToken, signingSecret, appToken, apiKey, dicomwebPassword].filter((value): value is string => !!value),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return deepFreeze(config);
}

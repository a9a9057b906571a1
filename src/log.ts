import { format as formatText } from 'node:util';
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { Redactor } from './redact.js';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  level: LogLevel;
  /** A quieter level for the stream only (the console's terminal); LOG_FILE keeps `level`. */
  streamLevel?: LogLevel | undefined;
  format: 'auto' | 'json' | 'pretty';
  redactor: Redactor;
  /** Defaults to stdout (console front end: stderr, so stdout stays the conversation). */
  stream?: Writable;
  /** Optional log file, rotated by size. */
  file?: { path: string; maxBytes: number; maxFiles: number } | undefined;
}

const redactFormat = winston.format((info, opts) => {
  const { redactor } = opts as { redactor: Redactor };
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (value instanceof Error) {
      info[key] = { name: value.name, message: redactor.redactForLog(value.message), stack: value.stack && redactor.redactForLog(value.stack) };
    } else {
      info[key] = redactor.redactDeep(value, new WeakSet(), (text) => redactor.redactForLog(text));
    }
  }
  info.message = redactor.redactForLog(String(info.message));
  return info;
});

const pretty = winston.format.printf((info) => {
  const { level, message, timestamp, component, stack, ...rest } = info as Record<string, unknown>;
  const meta = Object.entries(rest).filter(([key]) => typeof key === 'string' && key !== 'splat');
  const tail = meta.length > 0 ? ` ${meta.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ')}` : '';
  const where = component ? ` [${String(component)}]` : '';
  return `${String(timestamp)} ${String(level)}${where} ${String(message)}${tail}${stack ? `\n${String(stack)}` : ''}`;
});

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && (stream as { isTTY?: boolean }).isTTY === true);
  const base = [winston.format.errors({ stack: true }), redactFormat({ redactor: options.redactor }), winston.format.timestamp()];
  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream,
      ...(options.streamLevel ? { level: options.streamLevel } : {}),
      format: usePretty ? winston.format.combine(...base, pretty) : winston.format.combine(...base, winston.format.json()),
    }),
  ];
  if (options.file) {
    transports.push(
      new winston.transports.File({
        filename: options.file.path,
        maxsize: options.file.maxBytes,
        maxFiles: options.file.maxFiles,
        tailable: true,
        format: winston.format.combine(...base, winston.format.json()),
      }),
    );
  }
  return winston.createLogger({ level: options.level, transports });
}

/** A logger that drops everything, for tests and tools that do not care. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Bolt's Logger interface over a winston logger (levels mapped both ways; setName is a label). */
export function boltLogger(logger: Logger) {
  let child = logger.child({ component: 'slack' });
  const write = (level: LogLevel) => (...msg: unknown[]) => {
    const error = msg.find((item): item is Error => item instanceof Error);
    const text = formatText(...msg.filter((item) => item !== error));
    child.log(level, text, error ? { error } : {});
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: string) => {
      logger.level = level;
    },
    getLevel: () => {
      const level = logger.level;
      if (level === 'silly') return 'debug';
      if (level === 'http' || level === 'verbose') return 'info';
      return level;
    },
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}

/**
 * Waits until LOG_FILE has taken every line logged so far (no write for a moment), so the last lines
 * of a shutdown are in the file before the process exits. It does not end the logger: ending it
 * while the file is being rotated loses lines and makes winston write after its end.
 */
export async function flushLogFile(logger: Logger, quietMs = 150, timeoutMs = 3000): Promise<void> {
  const files = logger.transports.filter((transport) => transport instanceof winston.transports.File);
  if (files.length === 0) return;
  let lastWrite = Date.now();
  const wrote = () => (lastWrite = Date.now());
  for (const file of files) file.on('logged', wrote);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - lastWrite < quietMs && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  for (const file of files) file.off('logged', wrote);
}

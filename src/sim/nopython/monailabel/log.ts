import { appendFileSync, mkdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Real MONAI Label logs `(logger:lineno)`; the Python stand-in's fixed line numbers, kept equal. */
const LINENOS: Record<string, number> = {
  __main__: 285,
  'uvicorn.error': 75,
  main: 96,
  'monailabel.interfaces.utils.app': 38,
  'monailabel.interfaces.app': 134,
  'monailabel.utils.others.generic': 274,
  'monailabel.datastore.dicom': 92,
  'monailabel.endpoints.activelearning': 44,
  'monailabel.endpoints.infer': 122,
  'monailabel.tasks.infer.basic_infer': 323,
  'monailabel.endpoints.datastore': 118,
  'monailabel.utils.async_tasks.task': 41,
};

const pad = (value: number, size = 2) => String(value).padStart(size, '0');

/** time.strftime('%Y-%m-%d %H:%M:%S') in local time. */
export function localStamp(date = new Date()): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Writes all of it even to a non-blocking pipe: the process may exit right after a line. */
function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}

/** Output in MONAI Label's log format, to stdout and APP/logs/app.log; the DICOMweb password never shows. */
export class Log {
  private file: string | null = null;
  private readonly secrets: string[];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const password = env['MONAI_LABEL_DICOMWEB_PASSWORD'] ?? '';
    this.secrets = password.length >= 3 ? [password] : [];
  }

  openFile(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    this.file = path;
  }

  scrub(text: string): string {
    return this.secrets.reduce((out, secret) => out.replaceAll(secret, '*****'), text);
  }

  plain(message = ''): void {
    this.emit(message);
  }

  info(name: string, message: string): void {
    this.emit(this.format('INFO', name, message));
  }

  error(name: string, message: string): void {
    this.emit(this.format('ERROR', name, message));
  }

  private format(level: string, name: string, message: string): string {
    const now = new Date();
    return `[${localStamp(now)},${pad(now.getMilliseconds(), 3)}] [${process.pid}] [MainThread] [${level}] (${name}:${LINENOS[name] ?? 1}) - ${message}`;
  }

  private emit(line: string): void {
    const text = `${this.scrub(line)}\n`;
    writeAll(1, text);
    if (this.file) appendFileSync(this.file, text);
  }
}

/** Appends one JSON line to $MONAILABEL_STANDIN_EVENTS, so tests can see what ran and when. */
export function event(kind: string, fields: Record<string, string | number> = {}): void {
  const path = process.env['MONAILABEL_STANDIN_EVENTS'];
  if (path) appendFileSync(path, `${JSON.stringify({ event: kind, ...fields, ts: Date.now() / 1000 })}\n`);
}

import type { Redactor } from '../redact.js';

/** The last lines of a log, kept while streaming. */
export class LogTail {
  private readonly lines: string[] = [];
  constructor(private readonly size = 30) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  text(redactor: Redactor): string {
    return redactor.redact(this.lines.join('\n'));
  }

  all(): readonly string[] {
    return this.lines;
  }
}

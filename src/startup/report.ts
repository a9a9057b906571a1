import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import type { ConfigIssue } from '../config/fixes.js';

/** One "Configuration error:" line per mistake, each followed by its fix (npm start's wording of npm run check's FAIL lines). */
export function writeConfigIssues(out: Writable, issues: readonly ConfigIssue[]): void {
  for (const issue of issues) out.write(`Configuration error: ${issue.message}\n  Fix: ${issue.fix}\n`);
}

/** Closes a server now, keep-alive connections included, so its port is free for the next one. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

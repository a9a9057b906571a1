import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Some tests run the bot as a real process (node dist/main.js): build it first (incremental, ~2 s). */
export default async function setup(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: new URL('..', import.meta.url).pathname });
}

import type { Writable } from 'node:stream';
import { ConfigError, loadConfig, type Config, type Env } from '../config/load.js';
import { silentLogger } from '../log.js';
import { Redactor } from '../redact.js';
import { VERSION } from '../version.js';
import { checkPassed, formatCheck, type CheckResult } from './report.js';
import { describeMode, runChecks } from './run.js';

/** `npm run check`: every setting and every link, one line each, with the fix; exit 1 on a failure. */
export async function checkCommand(env: Env, out: Writable, settingsFrom = '.env and the environment', timeoutMs = 10_000): Promise<number> {
  const print = (line: string) => out.write(`${line}\n`);
  print(`monai-pod-bot ${VERSION} configuration check (settings from ${settingsFrom})`);
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const results: CheckResult[] = error.problems.map((problem) => ({ title: 'Configuration', status: 'fail', detail: problem, fix: 'see .env.example for what each variable expects.' }));
    for (const line of formatCheck(results)) print(line);
    return 1;
  }
  const redactor = new Redactor([...config.secrets]);
  print(`Mode: ${describeMode(config)}`);
  const results: CheckResult[] = [{ title: 'Configuration', status: 'pass', detail: 'every variable is well-formed' }, ...(await runChecks(config, { logger: silentLogger(), timeoutMs }))];
  for (const line of formatCheck(results)) print(redactor.redact(line));
  return checkPassed(results) ? 0 : 1;
}

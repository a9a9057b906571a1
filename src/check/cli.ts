import type { Writable } from 'node:stream';
import type { ConfigIssue } from '../config/fixes.js';
import { loadSettings } from '../config/env-file.js';
import type { Env } from '../config/load.js';
import { silentLogger } from '../log.js';
import { Redactor } from '../redact.js';
import { VERSION } from '../version.js';
import { checkPassed, formatCheck, type CheckResult } from './report.js';
import { describeMode, runChecks } from './run.js';

export interface CheckCommandOptions {
  settingsFrom?: string | undefined;
  /** Mistakes in the .env file's lines that the parsed values cannot show (a value lost to a comment). */
  fileIssues?: readonly ConfigIssue[];
  timeoutMs?: number;
}

const asResult = (issue: ConfigIssue): CheckResult => ({ title: 'Configuration', status: 'fail', detail: issue.message, fix: issue.fix });

/** `npm run check`: every setting and every link, one line each, with the fix; exit 1 on a failure. */
export async function checkCommand(env: Env, out: Writable, options: CheckCommandOptions = {}): Promise<number> {
  const print = (line: string) => out.write(`${line}\n`);
  print(`monai-pod-bot ${VERSION} configuration check (settings from ${options.settingsFrom ?? '.env and the environment'})`);
  const { config, issues } = loadSettings(env, options.fileIssues ?? []);
  if (!config) {
    // Without a configuration the links cannot be checked: the mistakes, and stop there.
    for (const line of formatCheck(issues.map(asResult))) print(line);
    return 1;
  }
  const redactor = new Redactor([...config.secrets]);
  print(`Mode: ${describeMode(config)}`);
  const configuration: CheckResult[] = issues.length > 0 ? issues.map(asResult) : [{ title: 'Configuration', status: 'pass', detail: 'every variable is well-formed' }];
  const results: CheckResult[] = [...configuration, ...(await runChecks(config, { logger: silentLogger(), timeoutMs: options.timeoutMs ?? 10_000 }))];
  for (const line of formatCheck(results)) print(redactor.redact(line));
  return checkPassed(results) ? 0 : 1;
}

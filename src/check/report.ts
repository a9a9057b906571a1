/** One line of the configuration check: what was checked, what was found, and the fix if it failed. */
export interface CheckResult {
  title: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

const LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function formatCheck(results: readonly CheckResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${LABEL[result.status]}  ${result.title}: ${result.detail}`);
    if (result.fix && result.status !== 'pass') lines.push(`      Fix: ${result.fix}`);
  }
  const failed = results.filter((result) => result.status === 'fail').length;
  const warned = results.filter((result) => result.status === 'warn').length;
  if (failed === 0 && warned === 0) lines.push('All good: the bot is ready to start (npm start).');
  else if (failed === 0) lines.push(`No failures, ${warned} warning${warned === 1 ? '' : 's'}: the bot can start; read the warnings above.`);
  else lines.push(`${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}: fix ${failed === 1 ? 'it' : 'them'} and run npm run check again.`);
  return lines;
}

export function checkPassed(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.status !== 'fail');
}

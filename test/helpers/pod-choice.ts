import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findPython, type FoundPython } from '../../src/sim/python.js';

/**
 * Which pod the tests run against, decided once per run (test/global-setup.ts) and printed as the
 * first line of the output. OpenSSH and a real Python venv where the machine has them; otherwise
 * the in-process SSH server and the Node stand-ins for Python and MONAI Label — the same tests.
 *
 *   MONAI_TEST_SSHD=openssh|in-process   force one SSH server (openssh fails loudly if sshd is missing)
 *   MONAI_TEST_PYTHON=none|<interpreter>  none = the Node stand-ins even where Python exists
 */
export interface PodChoice {
  sshd: { kind: 'openssh'; path: string } | { kind: 'in-process'; forced: boolean };
  python: { kind: 'python'; found: FoundPython } | { kind: 'node'; forced: boolean };
}

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** sshd on PATH, or where Debian and macOS install it even when PATH lacks the sbin folders. */
function findSshd(path: string): string | null {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...SBIN]) {
    try {
      accessSync(join(dir, 'sshd'), constants.X_OK);
      return join(dir, 'sshd');
    } catch {
      // not here
    }
  }
  return null;
}

export async function choosePod(env: NodeJS.ProcessEnv = process.env): Promise<PodChoice> {
  const wantSshd = env['MONAI_TEST_SSHD'] ?? '';
  if (!['', 'openssh', 'in-process'].includes(wantSshd)) throw new Error(`MONAI_TEST_SSHD must be openssh or in-process, not ${JSON.stringify(wantSshd)}`);
  const sshdPath = wantSshd === 'in-process' ? null : findSshd(env['PATH'] ?? '');
  if (wantSshd === 'openssh' && !sshdPath) throw new Error(`MONAI_TEST_SSHD=openssh, but there is no sshd on PATH or in ${SBIN.join(', ')}; ${installHint('sshd')}.`);
  const wantPython = env['MONAI_TEST_PYTHON'] ?? '';
  let found: FoundPython | null = null;
  if (wantPython !== 'none') {
    found = await findPython(wantPython || 'python3', env);
    if (wantPython && found?.command !== wantPython) throw new Error(`MONAI_TEST_PYTHON=${wantPython} is not a Python 3.9–3.12 with venv and ensurepip.`);
  }
  return {
    sshd: sshdPath ? { kind: 'openssh', path: sshdPath } : { kind: 'in-process', forced: wantSshd === 'in-process' },
    python: found ? { kind: 'python', found } : { kind: 'node', forced: wantPython === 'none' },
  };
}

function installHint(what: 'sshd' | 'python'): string {
  if (process.platform === 'darwin') {
    return what === 'sshd' ? 'macOS ships /usr/sbin/sshd; if it is gone: brew install openssh' : 'to add one: brew install python@3.11';
  }
  return what === 'sshd' ? 'to add it: sudo apt-get install -y openssh-server' : 'to add one: sudo apt-get install -y python3 python3-venv';
}

/** The line that opens every test run. */
export function podLine(choice: PodChoice): string {
  const ssh =
    choice.sshd.kind === 'openssh'
      ? `OpenSSH (${choice.sshd.path})`
      : choice.sshd.forced
        ? 'the in-process SSH server (MONAI_TEST_SSHD=in-process)'
        : `the in-process SSH server, since OpenSSH's sshd is missing (${installHint('sshd')})`;
  const python =
    choice.python.kind === 'python'
      ? `a real venv of Python ${choice.python.found.version} (${choice.python.found.executable}) with the Python MONAI Label stand-in`
      : choice.python.forced
        ? 'the Node stand-ins for Python and MONAI Label (MONAI_TEST_PYTHON=none)'
        : `the Node stand-ins for Python and MONAI Label, since no Python 3.9–3.12 with venv was found, and the Python stand-in's own tests do not run (${installHint('python')})`;
  return `Pod for the SSH/MONAI Label tests: ${ssh}; ${python}.`;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FoundPython {
  /** The command as found on PATH. */
  command: string;
  /** Its absolute path (sys.executable): ssh sessions do not see this shell's PATH, pyenv shims and the like. */
  executable: string;
  version: string;
}

// venv alone is not enough: Debian's python3 has it but `python3 -m venv` needs ensurepip, which
// comes with python3-venv.
const PROBE = `import sys, venv, ensurepip
ok = (3, 9) <= sys.version_info[:2] < (3, 13)
print("%d.%d.%d" % sys.version_info[:3])
print(sys.executable if ok else "")`;

/** A Python the simulated pod can build MONAI Label 0.8.5's venv with (3.9–3.12 with venv), or null. */
export async function findPython(preferred = 'python3', env: NodeJS.ProcessEnv = process.env): Promise<FoundPython | null> {
  for (const command of [...new Set([preferred, 'python3.11', 'python3.10', 'python3.12', 'python3.9', 'python3'])]) {
    try {
      const { stdout } = await run(command, ['-c', PROBE], { env, timeout: 30_000 });
      const [version, executable] = stdout.trim().split('\n');
      if (executable && version) return { command, executable, version };
    } catch {
      // not installed, or no venv/ensurepip: try the next
    }
  }
  return null;
}

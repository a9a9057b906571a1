import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RELEASES } from '../monai/pins.js';

const execFileAsync = promisify(execFile);

export interface StandinWheelOptions {
  /** Directory the wheel is written to (created when missing). */
  outDir: string;
  /** Python interpreter that runs the stdlib-only builder. Default `python3`. */
  python?: string;
  /** Version baked into the wheel and its file name. Default `0.8.5`. */
  version?: string;
}

/**
 * Builds the MONAI Label stand-in wheel (`monailabel-<version>-py3-none-any.whl`) and returns its
 * path. The build copies the .py files next to the compiled .js, so the script resolves from
 * both src/ and dist/.
 */
export async function buildStandinWheel(options: StandinWheelOptions): Promise<string> {
  const script = fileURLToPath(new URL('./monailabel/build_wheel.py', import.meta.url));
  const python = options.python ?? 'python3';
  const version = options.version ?? '0.8.5';
  let stdout: string;
  try {
    // The real release's declared requirements, so pip resolves what a real install would.
    const requires = JSON.stringify(RELEASES[version]?.requires ?? []);
    ({ stdout } = await execFileAsync(python, [script, '--version', version, '--out', options.outDir, '--requires', requires], {
      timeout: 60_000,
      // Keeps the source tree free of __pycache__ directories.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    }));
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    const detail = failure.stderr?.trim() || failure.message || String(error);
    throw new Error(`Building the monailabel stand-in wheel failed: ${detail}`, { cause: error });
  }
  const path = stdout.trim().split('\n').pop()?.trim();
  if (!path?.endsWith('.whl')) {
    throw new Error(`Building the monailabel stand-in wheel failed: unexpected output ${JSON.stringify(stdout)}`);
  }
  return path;
}

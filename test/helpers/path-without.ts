import { accessSync, constants, readdirSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * A PATH like this one, minus some programs: one folder of symlinks to every executable on PATH
 * whose name does not match `hidden`. What a machine without, say, Python looks like to a child
 * process, without uninstalling anything.
 */
export async function pathWithout(hidden: RegExp, dir: string, path = process.env['PATH'] ?? ''): Promise<string> {
  await mkdir(dir, { recursive: true });
  const seen = new Set<string>();
  for (const folder of path.split(delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name) || hidden.test(name)) continue;
      try {
        accessSync(join(folder, name), constants.X_OK);
      } catch {
        continue;
      }
      seen.add(name);
      await symlink(join(folder, name), join(dir, name));
    }
  }
  return dir;
}

/** Python, pip and the tools that call them (pyenv's shims among them). */
export const PYTHON_PROGRAMS = /^(python|pip|pydoc|idle|2to3|pyenv|py$)/;

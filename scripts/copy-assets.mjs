// tsc copies no data files: the simulator's schema and other assets ride along to dist/.
// Unchanged files are left alone, so a build beside a running test suite never rewrites what it reads.
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.(graphql|py|json)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name)) {
      const target = path.replace(/^src/, 'dist');
      if (!existsSync(target) || !readFileSync(target).equals(readFileSync(path))) cpSync(path, target);
    }
  }
}
walk('src');

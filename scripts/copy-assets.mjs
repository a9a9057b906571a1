// tsc copies no data files: the simulator's schema and other assets ride along to dist/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.(graphql|py|json)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name)) cpSync(path, path.replace(/^src/, 'dist'));
  }
}
walk('src');

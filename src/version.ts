import { createRequire } from 'node:module';

// Resolves from both src/ (tests) and dist/ (npm start): package.json sits one level up.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string; engines: { node: string } };

export const VERSION = pkg.version;

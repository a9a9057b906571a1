import { defineConfig } from 'vitest/config';
import { shared } from './vitest.config.js';

/** npm run test:e2e: the end-to-end cases too slow for every `npm test` (real processes, fresh installs). */
export default defineConfig({ test: { ...shared, include: ['test/e2e/**/*.test.ts'] } });

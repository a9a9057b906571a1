import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { choosePod, podLine } from './test/helpers/pod-choice.js';

// Decided once, here, so that the first line of the output can say it (see test/helpers/pod-choice.ts).
const podChoice = await choosePod();
const line = podLine(podChoice);

export const shared: NonNullable<ViteUserConfig['test']> = {
  globalSetup: ['test/global-setup.ts'],
  provide: { podChoice },
  reporters: [{ onInit: () => void process.stdout.write(`${line}\n`) }, 'default'],
  environment: 'node',
  // Integration tests start real servers (sshd, simulators); give them room on a 2-core CI box.
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
  maxWorkers: 4,
};

export default defineConfig({
  test: {
    ...shared,
    include: ['test/**/*.test.ts'],
    // The slow end-to-end cases run with npm run test:e2e (vitest.e2e.config.ts); .ci/run always runs them.
    exclude: ['test/e2e/**', '**/node_modules/**'],
  },
});

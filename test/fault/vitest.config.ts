// The reliability suite (`npm run test:faults`): scenarios 1–10 of docs/reliability.md, one
// after another (they share a PostgreSQL cluster of their own and the machine's two cores).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    include: ['test/fault/**/*.test.ts'],
    globalSetup: ['test/fault/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    // One fork for every file: scenarios never overlap.
    maxWorkers: 1,
  },
});

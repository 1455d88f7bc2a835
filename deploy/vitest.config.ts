import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['docs.test.ts', 'docker/**/*.test.ts', 'k8s/**/*.test.ts', 'aws/**/*.test.ts'],
    // Synthesizing the AWS stack takes a few seconds; each test file synthesizes once.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

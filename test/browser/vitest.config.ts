// The browser suite (`npm run test:browser`): journeys through the three front doors in a real
// Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH), against the app on 127.0.0.1.
// Kept out of `npm test`, which needs no browser.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    include: ['test/browser/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Screens update after requests and background refreshes: wait for them as a person
    // would (the machine's cores are shared, so not too impatiently).
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    // One browser and one server at a time: the machine's cores are shared.
    fileParallelism: false,
  },
});

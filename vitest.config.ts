import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/fast-check-seed.ts'],
    testTimeout: 60_000,
    // Set-up hooks fit generators, compile contracts or start anvil: seconds idle, but over
    // vitest's 10-s default on a loaded 2-core machine (data-generators' fits timed out there).
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});

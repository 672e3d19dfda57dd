import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails any test that leaves an unhandled promise rejection behind.
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 20_000,
    // Property tests drive many runs; keep one worker per core.
    pool: 'forks',
  },
});

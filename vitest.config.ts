import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Property tests drive many runs; keep one worker per core.
    pool: 'forks',
  },
});

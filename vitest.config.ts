import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run many cases; integration tests open real sockets.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

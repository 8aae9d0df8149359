import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: model-heavy integration files would starve each other if run in parallel.
    fileParallelism: false,
    // DATABASE_URL is set by the global setup: a fresh, migrated database per run.
    env: { LOG_LEVEL: 'silent' },
  },
});

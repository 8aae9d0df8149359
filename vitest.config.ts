import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: model-heavy integration files would starve each other if run in parallel.
    fileParallelism: false,
    env: {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/motoguard_test',
      LOG_LEVEL: 'silent',
    },
  },
});

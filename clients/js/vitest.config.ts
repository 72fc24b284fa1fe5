import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Something in Vitest's shutdown idles until this timeout after the run (no handle is left
    // open by the tests or the global setup); don't make CI wait the default 10 s for it.
    teardownTimeout: 2_000,
  },
});

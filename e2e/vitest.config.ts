import { defineConfig } from "vitest/config";

/**
 * The web app end to end: real Chromium (Debian's `chromium`, driven by playwright-core) against
 * a fresh `npm start` (wrangler dev, dev auth, demo data) on a loopback port. Run with
 * `npm run test:e2e`; `.ci/run` runs it after the workerd suite.
 */
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One server, one browser per file; files one at a time (two cores).
    fileParallelism: false,
  },
});

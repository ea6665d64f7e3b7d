import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestKeys } from "./test/global-setup";

import { TEST_ACCESS_AUD, TEST_AUDIENCE } from "./test/constants.ts";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => {
      const keys = inject<TestKeys>("keys");
      return {
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            ALLOW_DEV_AUTH: "0",
            OIDC_ISSUER: keys.issuer,
            OIDC_AUDIENCE: TEST_AUDIENCE,
            OIDC_JWKS_URL: "",
            CF_ACCESS_AUD: TEST_ACCESS_AUD,
            CF_ACCESS_ISSUER: keys.accessIssuer,
            CF_ACCESS_TEAM_DOMAIN: keys.accessIssuer,
            PLATFORM_ADMIN_SUBJECTS: "ops-1",
            RATE_LIMIT_TENANT_PER_MINUTE: "100000",
            RATE_LIMIT_USER_PER_MINUTE: "100000",
            RATE_LIMIT_TENANT_PER_MINUTE_MAX: "1000000",
            RATE_LIMIT_USER_PER_MINUTE_MAX: "1000000",
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // Request logs are useful when a test fails, noise when it passes.
    silent: "passed-only",
  },
});

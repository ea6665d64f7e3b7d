import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestKeys } from "./test/global-setup";

import { TEST_ACCESS_AUD, TEST_AUDIENCE } from "./test/constants.ts";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => {
      const keys = inject<TestKeys>("keys");
      const fakeLlmUrl = inject<string>("fakeLlmUrl");
      const documentHost = inject<string>("documentHost");
      return {
        wrangler: { configPath: "./wrangler.jsonc" },
        // Never reach Cloudflare from tests (an `ai` binding would otherwise need a login).
        remoteBindings: false,
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
            // The fake OpenAI-compatible server (test/fake-llm-setup.ts); the provider stays extractive.
            COPILOT_PROVIDER: "extractive",
            OPENAI_BASE_URL: `${fakeLlmUrl}/v1`,
            OPENAI_MODEL: "fake-default",
            // The loopback document host of the URL-upload tests (test/global-setup.ts), admitted explicitly.
            DOCUMENT_FETCH_ALLOW_ORIGINS: documentHost,
            // A test-only key-encryption key (tenants' provider keys); never used anywhere else.
            PROVIDER_KEY_KEKS: "v1:ycZBrG/MKJmiJpMLrMdIiYSF9unyuPuhXc9g4LBB1fU=",
            // A test-only session key ring (the web app's sign-in cookie); never used anywhere else.
            SESSION_KEYS: "v2:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,v1:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/web-build-setup.ts", "./test/global-setup.ts", "./test/fake-llm-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // Request logs are useful when a test fails, noise when it passes.
    silent: "passed-only",
  },
});

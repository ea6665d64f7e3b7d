import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".wrangler/", "worker-configuration.d.ts", "dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests read loosely typed JSON responses; assertions check their shape.
    files: ["test/**/*.ts", "bench/**/*.mjs", "scripts/**/*.mjs"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The service worker is plain JavaScript served as is (web/public is copied, not bundled).
    files: ["web/public/**/*.js"],
    languageOptions: {
      globals: { self: "readonly", caches: "readonly", fetch: "readonly", Response: "readonly", URL: "readonly", Promise: "readonly" },
    },
  },
  {
    files: ["bench/**/*.mjs", "scripts/**/*.mjs"],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        URL: "readonly",
        performance: "readonly",
        AbortSignal: "readonly",
        crypto: "readonly",
        Buffer: "readonly",
        clearTimeout: "readonly",
        WebSocket: "readonly",
        TextEncoder: "readonly",
      },
    },
  },
);

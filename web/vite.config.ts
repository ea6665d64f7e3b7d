import { defineConfig } from "vite";

/**
 * The web app's build: Preact with the automatic JSX runtime, one hashed JS and one CSS file
 * under dist/web/assets, no inline scripts or styles (the CSP in public/_headers forbids them).
 * `npm run build:web` runs it; `npm start`, `npm test` and `wrangler deploy` need its output.
 */
export default defineConfig({
  root: "web",
  publicDir: "public",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    target: "es2022",
    // Inline nothing: every asset is a file the CSP allows as 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});

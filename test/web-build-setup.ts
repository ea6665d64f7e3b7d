import { build } from "vite";

/**
 * Builds the web app (web/ → dist/web) before the workers start: wrangler.jsonc serves dist/web
 * as the Worker's static assets, so the tests run against the app shell a deployment would serve.
 */
export default async function setup() {
  await build({ configFile: "web/vite.config.ts", logLevel: "error" });
}

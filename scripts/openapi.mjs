/**
 * Writes the OpenAPI document the app serves at GET /v1/openapi.json to a file, and with `--lint`
 * lints it with Redocly (redocly.yaml: the recommended rules) and fails on any error or warning.
 *
 *   node scripts/openapi.mjs [out.json] [--lint]      (npm run openapi, npm run lint:openapi)
 *
 * The document comes from the app's own route registry, as served: the router is plain Hono +
 * zod, so it runs under Node once bundled (esbuild, the bundler wrangler itself uses; ~0.3 s),
 * and the script asks it for /v1/openapi.json like a client would. No workerd, no server.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const lint = args.includes("--lint");
const out = resolve(root, args.find((a) => !a.startsWith("--")) ?? "dist/openapi.json");

/** The app's document, as GET /v1/openapi.json answers it. */
async function servedDocument() {
  const bundled = await build({
    stdin: { contents: 'export { createApp } from "./src/app.ts";', resolveDir: root, loader: "ts", sourcefile: "openapi-entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    logLevel: "warning",
  });
  const dir = mkdtempSync(join(tmpdir(), "fieldpilot-openapi-"));
  try {
    const file = join(dir, "app.mjs");
    writeFileSync(file, bundled.outputFiles[0].text);
    const { createApp } = await import(pathToFileURL(file).href);
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
    // The request log writes one line per request; it is not part of the document.
    const log = console.log;
    console.log = () => {};
    let res;
    try {
      res = await createApp().request("/v1/openapi.json", {}, {}, ctx);
    } finally {
      console.log = log;
    }
    if (res.status !== 200) throw new Error(`GET /v1/openapi.json answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    return await res.json();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Redocly's findings on the file; every error and warning is printed, and counted. */
function redoclyLint(file) {
  const cli = join(root, "node_modules", ".bin", "redocly");
  const run = spawnSync(cli, ["lint", file, "--format=json", `--config=${join(root, "redocly.yaml")}`], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`redocly lint printed no JSON report (exit ${run.status})`);
  }
  for (const p of report.problems) {
    const where = (p.location ?? []).map((l) => l.pointer).join(", ");
    console.log(`${p.severity} ${p.ruleId}: ${p.message}${where ? ` at ${where}` : ""}`);
  }
  const { errors, warnings, ignored } = report.totals;
  return { errors, warnings, ignored };
}

const started = performance.now();
const doc = await servedDocument();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
const operations = Object.values(doc.paths ?? {}).reduce((n, item) => n + Object.keys(item).filter((k) => k !== "parameters").length, 0);
console.log(`${out}: ${operations} operations (${Math.round(performance.now() - started)} ms)`);

if (lint) {
  const linted = performance.now();
  const { errors, warnings, ignored } = redoclyLint(out);
  const accepted = ignored > 0 ? `; ${ignored} accepted with their reasons in .redocly.lint-ignore.yaml` : "";
  console.log(
    `redocly lint (recommended): ${errors} errors, ${warnings} warnings${accepted} (${Math.round(performance.now() - linted)} ms)`,
  );
  if (errors + warnings > 0) process.exit(1);
}

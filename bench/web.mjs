/**
 * The web app's first load on a poor connection: `npm run bench -- web`.
 *
 * Against a fresh `npm start` (scripts/local-server.mjs: wrangler dev, dev auth, demo data, the
 * built web app), in Debian's Chromium (playwright-core; CHROMIUM_PATH overrides
 * /usr/bin/chromium):
 *   1. what the app shell costs to fetch: the JavaScript and CSS files of dist/web as built
 *      (bytes, and gzip -9 as Cloudflare's edge would at least compress them), and the bytes the
 *      browser actually received for the first load from `wrangler dev`, which does not compress;
 *   2. the time from navigation until a signed-in technician's job list is visible, with
 *      Chromium's network throttled to DevTools' "Fast 3G" (562.5 ms RTT, 1.44 Mbit/s down,
 *      675 kbit/s up) and the CPU slowed 4x, on a cold cache every time (a new browser context:
 *      no HTTP cache, no service worker), `--web-runs=N` times (default 7): median and worst.
 * Goals: at most 60 KB of gzipped JavaScript; the job list visible within 2 s (median).
 * Results: bench/results/web.json and a markdown table on stdout.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { freePort, startServer } from "../scripts/local-server.mjs";
import { median, round } from "./stats.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** DevTools' "Fast 3G" preset (Chromium's own numbers). */
const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.6 * 1_000_000 * 0.9) / 8,
  uploadThroughput: (750 * 1_000 * 0.9) / 8,
};
const CPU_SLOWDOWN = 4;
const GOAL_JS_GZIP_BYTES = 60 * 1024;
const GOAL_VISIBLE_MS = 2_000;

function builtAssets() {
  const dir = path.join(ROOT, "dist", "web", "assets");
  const files = readdirSync(dir).filter((f) => f.endsWith(".js") || f.endsWith(".css"));
  const sum = (ext, gz) =>
    files
      .filter((f) => f.endsWith(ext))
      .reduce((n, f) => {
        const bytes = readFileSync(path.join(dir, f));
        return n + (gz ? gzipSync(bytes, { level: 9 }).length : bytes.length);
      }, 0);
  return { jsBytes: sum(".js", false), jsGzip: sum(".js", true), cssBytes: sum(".css", false), cssGzip: sum(".css", true) };
}

/** One cold first load of `/` as a signed-in technician, throttled; ms until a job card is visible. */
async function coldLoad(browser, base, cookies) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: "block" });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", FAST_3G);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  let received = 0;
  const byType = { script: 0, stylesheet: 0, document: 0, fetch: 0, other: 0 };
  const types = new Map();
  /** Where the time goes: each request's start and end, ms after the navigation started. */
  const timeline = new Map();
  let origin = null;
  cdp.on("Network.requestWillBeSent", (e) => {
    origin ??= e.timestamp;
    timeline.set(e.requestId, { url: new URL(e.request.url).pathname, start: round((e.timestamp - origin) * 1000, 0), end: null });
  });
  cdp.on("Network.responseReceived", (e) => types.set(e.requestId, e.type));
  cdp.on("Network.loadingFinished", (e) => {
    const entry = timeline.get(e.requestId);
    if (entry && origin !== null) entry.end = round((e.timestamp - origin) * 1000, 0);
    received += e.encodedDataLength;
    const type = (types.get(e.requestId) ?? "Other").toLowerCase();
    const key = type === "script" || type === "stylesheet" || type === "document" || type === "fetch" ? type : "other";
    byType[key] += e.encodedDataLength;
  });
  const started = performance.now();
  await page.goto(`${base}/`, { waitUntil: "commit" });
  await page.locator(".job-card").first().waitFor({ timeout: 60_000 });
  const driverMs = performance.now() - started;
  // The page's own clock: from navigation start to the first job list on screen, and what the main thread did.
  const inPage = await page.evaluate(() => {
    const mark = performance.getEntriesByName("fieldpilot:jobs-visible")[0];
    const script = performance.getEntriesByType("resource").find((e) => e.name.includes("/assets/") && e.name.endsWith(".js"));
    return { visible: mark ? mark.startTime : null, scriptLoaded: script ? script.responseEnd : null };
  });
  const visibleMs = inPage.visible ?? driverMs;
  await context.close();
  return { visibleMs, driverMs, scriptLoadedMs: inPage.scriptLoaded, received, byType, timeline: [...timeline.values()] };
}

export async function benchWeb({ runs = 7 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "fieldpilot-bench-web-"));
  const port = await freePort();
  const server = startServer({ port, stateDir: path.join(dir, "state"), logFile: path.join(dir, "server.log") });
  const base = `http://127.0.0.1:${port}`;
  let browser;
  try {
    await server.ready;
    const assets = builtAssets();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    // Sign in once (unthrottled), through the app's own dev sign-in, and reuse the session cookie.
    const signIn = await browser.newContext();
    const res = await signIn.request.post(`${base}/auth/dev/session`, { data: { userId: "ana.tech" }, headers: { origin: base } });
    if (res.status() !== 204) throw new Error(`dev sign-in answered ${res.status()}`);
    const cookies = await signIn.cookies(base);
    await signIn.close();
    await coldLoad(browser, base, cookies); // warm-up: wrangler's first requests compile the worker
    const loads = [];
    for (let i = 0; i < runs; i++) loads.push(await coldLoad(browser, base, cookies));
    const visible = loads.map((l) => l.visibleMs);
    const result = {
      at: new Date().toISOString(),
      runs,
      network: "Fast 3G (562.5 ms RTT, 1.44 Mbit/s down, 675 kbit/s up)",
      cpuSlowdown: CPU_SLOWDOWN,
      assets,
      firstLoadReceivedBytes: median(loads.map((l) => l.received)),
      firstLoadByType: loads[0]?.byType,
      // The median run's requests: what starts when, and when it is done (ms after navigation).
      timeline: [...loads].sort((a, b) => a.visibleMs - b.visibleMs)[Math.floor(loads.length / 2)]?.timeline,
      visibleMs: { median: round(median(visible), 0), worst: round(Math.max(...visible), 0), all: visible.map((v) => round(v, 0)) },
      /** The same moment seen by the driver (includes its polling), and when the script had arrived. */
      driverMs: round(median(loads.map((l) => l.driverMs)), 0),
      scriptLoadedMs: round(median(loads.map((l) => l.scriptLoadedMs ?? NaN)), 0),
      goals: {
        jsGzip: { value: assets.jsGzip, goal: GOAL_JS_GZIP_BYTES, met: assets.jsGzip <= GOAL_JS_GZIP_BYTES },
        visible: { value: round(median(visible), 0), goal: GOAL_VISIBLE_MS, met: median(visible) <= GOAL_VISIBLE_MS },
      },
    };
    writeFileSync(path.join(ROOT, "bench", "results", "web.json"), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await browser?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function webMarkdown(r) {
  const kb = (b) => `${round(b / 1024, 1)} KB`;
  return [
    "| measure | value | goal |",
    "|---|---|---|",
    `| JavaScript, built / gzip -9 | ${kb(r.assets.jsBytes)} / ${kb(r.assets.jsGzip)} | gzip ≤ 60 KB (${r.goals.jsGzip.met ? "met" : "not met"}) |`,
    `| CSS, built / gzip -9 | ${kb(r.assets.cssBytes)} / ${kb(r.assets.cssGzip)} | – |`,
    `| first load, bytes received from wrangler dev (it compresses text assets), median | ${kb(r.firstLoadReceivedBytes)} | – |`,
    `| job list visible (page's clock from navigation start), Fast 3G + CPU ÷${r.cpuSlowdown}, cold, median / worst of ${r.runs} | ${r.visibleMs.median} / ${r.visibleMs.worst} ms | ≤ 2,000 ms (${r.goals.visible.met ? "met" : "not met"}) |`,
    `| the same seen by the driver (with its polling), median | ${r.driverMs} ms | – |`,
    `| script fully received, median | ${r.scriptLoadedMs} ms | – |`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv.find((a) => a.startsWith("--web-runs="))?.split("=")[1] ?? 7);
  const result = await benchWeb({ runs });
  process.stdout.write(`${webMarkdown(result)}\n`);
  for (const t of result.timeline ?? [])
    process.stdout.write(`  ${String(t.start).padStart(5)} → ${String(t.end ?? "…").padStart(5)} ms  ${t.url}\n`);
}

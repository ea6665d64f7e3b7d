/**
 * FieldPilot benchmarks: `npm run bench`, or some of them: `npm run bench -- search`.
 *
 * Everything is measured in one run against `wrangler dev` on this machine, over loopback only:
 *   1. a loopback OIDC provider (an RS256 key made with jose) serves discovery and the JWKS;
 *   2. `wrangler dev -c bench/wrangler.bench.jsonc` runs the real app plus bench-only routes
 *      (bench/worker.ts) with a fresh --persist-to directory on an unused port;
 *   3. tenants and members are created through the public platform API with real JWTs;
 *   4. the benchmarks run; goals are ratios measured in the same run (alternating rounds) or
 *      percentiles over many requests, never one absolute time;
 *   5. results go to bench/results/latest.json, a markdown summary to stdout; wrangler's whole
 *      process group is stopped at the end, on error and on SIGINT/SIGTERM.
 *
 * The machine is shared and noisy, so besides wall-clock numbers every phase also records the
 * CPU time each process spent (Linux /proc schedstat): the app's workerd, wrangler's dev proxy
 * (a second workerd that only exists under `wrangler dev`), wrangler's node process (it prints
 * a log line per request) and this driver. CPU per request hardly moves when other jobs compete
 * for the cores, so it is what "where the time goes" is built from.
 *
 * Options: `--notes=N` notes per ingest tenant (default 100000, a multiple of 5000),
 * `--rounds=N` alternating rounds for the ratio benchmarks (default 3), `--keep-logs`;
 * for `realtime` (bench/realtime.mjs; only when named, it is not in the default run):
 * `--sockets=N` concurrent sockets (default 1000), `--asks=N` measured asks (default 200),
 * `--heap-snapshots` (which kinds of JS object a socket adds; spoils the RSS readings after it),
 * `--asks-only` (the asks and their in-object cost, no socket phases: for `--notes=1000000`).
 * For `web` (bench/web.mjs; only when named, on its own): `--web-runs=N` cold loads (default 7).
 * For `semantic` (bench/semantic.mjs; only when named): HTTP ingest with the semantic index's
 * embed queue on (stand-in AI and Vectorize) against the same ingest with it off, `--rounds` rounds.
 * For `library` (bench/library.mjs; only when named; alone it makes no bench tenants or notes):
 * the shared library's search latency at 10,000 chunks uploaded through the platform route.
 * It runs before `realtime`, so `library realtime` measures asks whose evidence includes that
 * library (every ask calls it).
 * For `export` (bench/export.mjs; only when named): `--export-rounds=N` (default 5),
 * `--import-rounds=N` (default 3). With `--notes` above 100000 the export benchmark runs its
 * scale variant instead: the route export and its memory only, for tenants of 10,000, 100,000 and
 * `--notes` notes (`--export-rounds` exports each), plus one slow-client read each; no import.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, URLSearchParams } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  baseRecords,
  clientId,
  CORPUS,
  jobId,
  noteSerial,
  notes as corpusNotes,
  propertyId,
  technicianSubject,
  wordAtRank,
} from "./corpus.mjs";
import { benchExport, exportGoals, exportMarkdown } from "./export.mjs";
import { benchLibrary, libraryGoals, libraryMarkdown } from "./library.mjs";
import { askCostMarkdown, benchRealtime } from "./realtime.mjs";
import { benchSemantic, semanticGoals, semanticMarkdown } from "./semantic.mjs";
import { median, percentile, round, shuffledSchedule } from "./stats.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";
const AUDIENCE = "fieldpilot-bench";
const OPERATOR = "bench-operator";
const ALL = ["ingest", "context", "search", "noisy", "realtime", "export", "web", "semantic", "brief", "library"];
/** `npm run bench` without names: realtime would push the suite past ~10 minutes, so it runs only when named. */
const DEFAULT = ["ingest", "context", "search", "noisy"];

// ---------------------------------------------------------------- options

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
};
const NOTES = option("notes", 100_000);
const ROUNDS = option("rounds", 3);
const KEEP_LOGS = args.includes("--keep-logs");
/** Realtime: three heap snapshots in the idle-memory phase (what a socket adds, by kind). Off by default: a snapshot raises the app's RSS by ~100-200 MB, which would spoil the RSS readings after it. */
const HEAP_SNAPSHOTS = args.includes("--heap-snapshots");
/** Realtime: only the asks (and their in-object cost), no socket phases; for a big tenant (`--notes=1000000`). */
const ASKS_ONLY = args.includes("--asks-only");
const chosen = args.filter((a) => !a.startsWith("--"));
for (const name of chosen) if (!ALL.includes(name)) throw new Error(`unknown benchmark "${name}"; choose from ${ALL.join(", ")}`);
const RUN = new Set(chosen.length > 0 ? chosen : DEFAULT);
/** The library benchmark needs neither the bench tenants nor their notes: alone, it skips making them. */
const NEEDS_WORLD = [...RUN].some((name) => name !== "library");
// The web app's first load runs against its own `npm start` (the real app with its assets and the
// demo data), not the bench worker: bench/web.mjs, only when named, on its own.
if (RUN.has("web")) {
  if (RUN.size > 1) throw new Error("run `npm run bench -- web` on its own");
  const { benchWeb, webMarkdown } = await import("./web.mjs");
  const result = await benchWeb({ runs: option("web-runs", 7) });
  process.stdout.write(`${webMarkdown(result)}\n`);
  process.exit(0);
}
const SOCKETS = option("sockets", 1_000);
const ASKS = option("asks", 200);
if (!Number.isInteger(SOCKETS) || SOCKETS < 2 || SOCKETS > 5_000) throw new Error("--sockets must be 2..5000");
if (!Number.isInteger(ASKS) || ASKS < 1 || ASKS > 5_000) throw new Error("--asks must be 1..5000");
if (!Number.isInteger(NOTES) || NOTES < 10_000 || NOTES % 5_000 !== 0)
  throw new Error("--notes must be a multiple of 5000, at least 10000");
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 10) throw new Error("--rounds must be 1..10");
const EXPORT_ROUNDS = option("export-rounds", 5);
const IMPORT_ROUNDS = option("import-rounds", 3);
if (!Number.isInteger(EXPORT_ROUNDS) || EXPORT_ROUNDS < 1 || EXPORT_ROUNDS > 20) throw new Error("--export-rounds must be 1..20");
if (!Number.isInteger(IMPORT_ROUNDS) || IMPORT_ROUNDS < 1 || IMPORT_ROUNDS > 10) throw new Error("--import-rounds must be 1..10");

// ---------------------------------------------------------------- statistics

function summarize(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}
const sum = (values) => values.reduce((a, b) => a + b, 0);

/** The SQL work a Server-Timing metric describes (`desc="9 statements / 24 rows read / 1 written"`); null when absent. */
function serverTimingWork(header, name) {
  const entry = String(header ?? "")
    .split(/,\s*/)
    .find((e) => e.split(";")[0] === name);
  const match = /desc="(\d+) statements? \/ (\d+) rows? read/.exec(entry ?? "");
  return match ? { statements: Number(match[1]), rowsRead: Number(match[2]) } : null;
}

/** One metric's `dur` from a Server-Timing header (`object;dur=1.2;desc="1 call", total;dur=3`); throws when absent. */
function serverTimingMs(header, name) {
  for (const entry of String(header ?? "").split(/,\s*/)) {
    const [metric, ...params] = entry.split(";");
    if (metric !== name) continue;
    const dur = params.find((p) => p.startsWith("dur="));
    if (dur) return Number(dur.slice(4));
  }
  throw new Error(`no ${name} duration in Server-Timing: ${header}`);
}

// ---------------------------------------------------------------- CPU accounting

/**
 * CPU time of wrangler's process group, per role, from /proc/<pid>/task/<tid>/schedstat (ns).
 * Roles: `app` (the workerd that runs the Worker and the Durable Objects), `proxy` (wrangler's
 * dev proxy workerd, which owns the public port), `wrangler` (its node process), `driver` (this
 * process). Null where /proc is unavailable.
 */
class CpuMeter {
  constructor(pgid, port) {
    this.pgid = pgid;
    this.port = port;
    this.roles = null;
  }

  discover() {
    if (!existsSync("/proc/self/task")) return null;
    const roles = { app: [], proxy: [], wrangler: [], other: [] };
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) !== this.pgid) continue;
        const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        const pid = Number(entry);
        if (cmd.some((a) => a.endsWith("/workerd") || a === "workerd")) {
          roles[cmd.includes(`--socket-addr=entry=${HOST}:${this.port}`) ? "proxy" : "app"].push(pid);
        } else if (cmd.some((a) => a.includes("wrangler"))) roles.wrangler.push(pid);
        else roles.other.push(pid);
      } catch {
        /* the process ended while we looked */
      }
    }
    this.roles = roles;
    return roles;
  }

  static processNs(pid) {
    let total = 0;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        } catch {
          /* thread ended */
        }
      }
    } catch {
      /* process ended */
    }
    return total;
  }

  /** CPU ms so far per role (only `app` when `appOnly`, for cheap per-request readings). */
  snapshot(appOnly = false) {
    if (this.roles === null && this.discover() === null) return null;
    const out = {};
    for (const [role, pids] of Object.entries(this.roles)) {
      if (appOnly && role !== "app") continue;
      out[role] = sum(pids.map((p) => CpuMeter.processNs(p))) / 1e6;
    }
    if (!appOnly) out.driver = process.cpuUsage().user / 1e3 + process.cpuUsage().system / 1e3;
    return out;
  }

  static delta(before, after, per = 1) {
    if (!before || !after) return null;
    const out = {};
    for (const k of Object.keys(after)) out[k] = round((after[k] - (before[k] ?? 0)) / per, 3);
    out.server = round(
      ((after.app ?? 0) - (before.app ?? 0) + (after.proxy ?? 0) - (before.proxy ?? 0) + (after.wrangler ?? 0) - (before.wrangler ?? 0)) /
        per,
      3,
    );
    return out;
  }
}

let cpu = new CpuMeter(0, 0);

// ---------------------------------------------------------------- processes and ports

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The loopback identity provider: OIDC discovery and a JWKS with one RS256 key. */
async function startIdentityProvider() {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench-rsa-1", alg: "RS256", use: "sig" };
  const server = http.createServer((req, res) => {
    const base = `http://${HOST}:${server.address().port}`;
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
    } else if (req.url === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const issuer = `http://${HOST}:${server.address().port}`;
  let serial = 0;
  /** A real JWT; every call yields a distinct token (jti), so the router cannot reuse a verification. */
  const mint = (sub, lifetimeSeconds = 3_600) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: `${sub}@bench.example` })
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject(sub)
      .setJti(`bench-${process.pid}-${++serial}`)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(privateKey);
  };
  return { issuer, mint, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** `wrangler dev` in its own process group, so the whole tree (node, workerd, esbuild) can be stopped. */
function startWrangler({ issuer, port, inspectorPort, persistTo, logFile }) {
  const vars = {
    ENVIRONMENT: "development",
    // Dev auth on only for the "context (dev auth)" variant; bearer tokens are still checked first.
    ALLOW_DEV_AUTH: "1",
    OIDC_ISSUER: issuer,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_JWKS_URL: `${issuer}/jwks`,
    PLATFORM_ADMIN_SUBJECTS: OPERATOR,
    // High platform limits so the load itself is never throttled; the noisy-neighbour benchmark
    // lowers one tenant's own limits through its settings.
    RATE_LIMIT_TENANT_PER_MINUTE: "1000000",
    RATE_LIMIT_USER_PER_MINUTE: "1000000",
    RATE_LIMIT_TENANT_PER_MINUTE_MAX: "1000000",
    RATE_LIMIT_USER_PER_MINUTE_MAX: "1000000",
  };
  const argv = ["dev", "-c", "bench/wrangler.bench.jsonc", "--ip", HOST, "--port", String(port), "--inspector-port", String(inspectorPort)];
  argv.push("--persist-to", persistTo, "--show-interactive-dev-session=false");
  for (const [k, v] of Object.entries(vars)) argv.push("--var", `${k}:${v}`);
  const out = openSync(logFile, "a");
  const child = spawn(path.join(ROOT, "node_modules/.bin/wrangler"), argv, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      // wrangler's shim runs `node` from PATH: make it this (Node 22) binary.
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
  });
  closeSync(out);
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* the group is gone */
    }
  };
  return { pgid: child.pid, stop, isRunning: () => !exited };
}

// ---------------------------------------------------------------- HTTP client

let PORT = 0;

/** One request over a keep-alive agent; the body is always read (kept only when asked). */
function send(agent, { method = "GET", path: urlPath, headers = {}, body, keep = false }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const h = body === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": body.length };
    const req = http.request({ host: HOST, port: PORT, method, path: urlPath, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => keep && chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          ms: performance.now() - started,
          headers: res.headers,
          text: keep ? Buffer.concat(chunks).toString("utf8") : "",
        }),
      );
    });
    req.setTimeout(180_000, () => req.destroy(new Error(`timeout: ${method} ${urlPath}`)));
    req.on("error", reject);
    req.end(body);
  });
}

const singleAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** A request whose answer matters: fails loudly on an unexpected status. */
async function api(method, urlPath, { token, body, headers = {}, expect = [200] } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const res = await send(singleAgent, { method, path: urlPath, headers: h, body: payload, keep: true });
  if (!expect.includes(res.status)) throw new Error(`${method} ${urlPath} answered ${res.status}: ${res.text.slice(0, 500)}`);
  return { ...res, json: res.text ? JSON.parse(res.text) : null };
}

/** Wall time and CPU per role of one awaited step. */
async function measure(fn) {
  const before = cpu.snapshot();
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  return { ms, cpu: CpuMeter.delta(before, cpu.snapshot()), value };
}

/**
 * Closed-loop load: `concurrency` workers over one keep-alive agent, `warmup` requests first
 * (discarded), then `n` measured ones. `make(i)` builds request i (warm-up indexes are negative).
 */
async function load({ label, n, concurrency, warmup = 0, make, accept = [200], stopWhen }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const drive = async (count, offset, record) => {
      let next = 0;
      const latencies = record ? new Float64Array(count) : null;
      const statuses = {};
      const worker = async () => {
        for (;;) {
          if (stopWhen?.()) return;
          const i = next++;
          if (i >= count) return;
          const res = await send(agent, make(i + offset));
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (latencies) latencies[i] = res.ms;
        }
      };
      const before = cpu.snapshot();
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      const done = Math.min(next, count);
      return { seconds, latencies: latencies?.subarray(0, done), statuses, done, cpu: CpuMeter.delta(before, cpu.snapshot(), done) };
    };
    if (warmup > 0) await drive(warmup, -warmup, false);
    const r = await drive(n, 0, true);
    const accepted = sum(Object.entries(r.statuses).map(([s, k]) => (accept.includes(Number(s)) ? k : 0)));
    if (accepted !== r.done) throw new Error(`${label}: unexpected statuses ${JSON.stringify(r.statuses)}`);
    return {
      label,
      n: r.done,
      concurrency,
      seconds: round(r.seconds, 3),
      rps: round(r.done / r.seconds, 1),
      ...summarize(r.latencies),
      statuses: r.statuses,
      cpuMsPerRequest: r.cpu,
    };
  } finally {
    agent.destroy();
  }
}

/** Open-loop load at a fixed rate (requests are not held back by slow answers), until `stopWhen`. */
async function paced({ rate, make, stopWhen, maxInFlight = 64, maxRequests = 100_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const statuses = {};
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  const pending = new Set();
  const started = performance.now();
  try {
    while (!stopWhen() && sent < maxRequests) {
      const due = Math.floor(((performance.now() - started) * rate) / 1000);
      while (sent + skipped < due) {
        if (inFlight >= maxInFlight) {
          skipped++;
          continue;
        }
        inFlight++;
        const p = send(agent, make(sent++))
          .then((res) => (statuses[res.status] = (statuses[res.status] ?? 0) + 1))
          .catch(() => (statuses.error = (statuses.error ?? 0) + 1))
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
      await sleep(5);
    }
    await Promise.all(pending);
    return { n: sent, skipped, rps: round(sent / ((performance.now() - started) / 1000), 1), statuses };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------- world

const TENANTS = {
  ingest1k: "bench-ingest-1k", // HTTP ingest, 1000 notes per batch; then search, context reads, noisy neighbour B
  ingest5k: "bench-ingest-5k", // HTTP ingest, 5000 per batch; then the second object and noisy neighbour A
  core1k: "bench-core-1k", // ingestBatch called inside the object, 1000 per batch (no HTTP, JSON, zod, auth, audit)
  core5k: "bench-core-5k", // the same, 5000 per batch
  raw1k: "bench-raw-1k", // raw insert inside the object, 1000 per transaction
  raw5k: "bench-raw-5k", // raw insert inside the object, 5000 per transaction
};
const dispatcherOf = (tenant) => `disp-${tenant}`;

async function createWorld(idp) {
  const operator = await idp.mint(OPERATOR);
  const tokens = {};
  for (const tenant of Object.values(TENANTS)) {
    await api("POST", "/v1/platform/tenants", {
      token: operator,
      body: { id: tenant, name: `Bench ${tenant}`, region: "us" },
      expect: [201],
    });
    await api("POST", `/v1/platform/tenants/${tenant}/members`, {
      token: operator,
      body: { subject: dispatcherOf(tenant), role: "dispatcher", issuer: idp.issuer },
      expect: [201],
    });
    tokens[tenant] = await idp.mint(dispatcherOf(tenant));
  }
  // Technicians search the big tenant; technician 0 is assigned CORPUS.jobs / CORPUS.technicians jobs.
  for (let t = 0; t < CORPUS.technicians; t++) {
    await api("POST", `/v1/platform/tenants/${TENANTS.ingest1k}/members`, {
      token: operator,
      body: { subject: technicianSubject(t), role: "technician", issuer: idp.issuer },
      expect: [201],
    });
  }
  tokens.technician = await idp.mint(technicianSubject(0));
  const base = baseRecords();
  const baseMs = {};
  for (const tenant of Object.values(TENANTS)) {
    const started = performance.now();
    for (const kind of ["clients", "properties", "jobs"])
      await api("POST", "/v1/ingest", { token: tokens[tenant], body: { [kind]: base[kind] } });
    baseMs[tenant] = round(performance.now() - started);
  }
  return { operator, tokens, baseMs };
}

// ---------------------------------------------------------------- (a) ingest

const notesBody = (from, count) => Buffer.from(JSON.stringify({ notes: corpusNotes(from, count) }));

async function benchIngest(world) {
  const { tokens } = world;
  const BLOCK = 5_000;
  const blocks = NOTES / BLOCK;
  const batches = { http1k: [], http5k: [], core1k: [], core5k: [], raw1k: [], raw5k: [] };
  const inObject = async (tenant, op, from, count) => {
    const r = await api("POST", "/v1/__bench/notes", { token: tokens[tenant], body: { op, from, count } });
    if (r.json.rows !== count) throw new Error(`${op} on ${tenant} handled ${r.json.rows} of ${count}`);
  };
  const httpIngest = async (tenant, body, count) => {
    const r = await api("POST", "/v1/ingest", { token: tokens[tenant], body });
    if (r.json.notes.inserted !== count) throw new Error(`ingest into ${tenant}: ${JSON.stringify(r.json.notes)}`);
  };
  const record = (key, m) => batches[key].push({ ms: m.ms, app: m.cpu?.app ?? null, server: m.cpu?.server ?? null });
  for (let b = 0; b < blocks; b++) {
    const from = b * BLOCK;
    const small = Array.from({ length: 5 }, (_, k) => notesBody(from + k * 1_000, 1_000));
    const big = notesBody(from, BLOCK);
    // The writers take turns in a rotating order, so noise and table growth hit them alike.
    const steps = [
      async () => {
        for (let k = 0; k < 5; k++) record("http1k", await measure(() => httpIngest(TENANTS.ingest1k, small[k], 1_000)));
      },
      async () => record("http5k", await measure(() => httpIngest(TENANTS.ingest5k, big, BLOCK))),
      async () => {
        for (let k = 0; k < 5; k++) record("core1k", await measure(() => inObject(TENANTS.core1k, "ingest-core", from + k * 1_000, 1_000)));
      },
      async () => record("core5k", await measure(() => inObject(TENANTS.core5k, "ingest-core", from, BLOCK))),
      async () => {
        for (let k = 0; k < 5; k++) record("raw1k", await measure(() => inObject(TENANTS.raw1k, "raw", from + k * 1_000, 1_000)));
      },
      async () => record("raw5k", await measure(() => inObject(TENANTS.raw5k, "raw", from, BLOCK))),
    ];
    for (let s = 0; s < steps.length; s++) await steps[(s + b) % steps.length]();
    process.stderr.write(`  ingest block ${b + 1}/${blocks}\r`);
  }
  process.stderr.write("\n");

  // The same batches stopped at each layer (none of these write), for the budget below.
  const SAMPLES = 7;
  const layers = {};
  for (const size of [1_000, 5_000]) {
    const rows = {};
    for (let s = 0; s < SAMPLES; s++) {
      const from = Math.floor(((s * 13_000) % (NOTES - size)) / 1_000) * 1_000;
      const body = notesBody(from, size);
      const token = tokens[TENANTS.ingest1k];
      const steps = {
        validateOnly: () => api("POST", "/v1/__bench/validate-only", { token, body }),
        rpcEcho: () => api("POST", "/v1/__bench/rpc-echo", { token, body }),
        generate: () => inObject(TENANTS.ingest1k, "generate", from, size),
        parse: () => inObject(TENANTS.ingest1k, "parse", from, size),
        lookup: () => inObject(TENANTS.ingest1k, "lookup", from, size),
        sanitize: () => inObject(TENANTS.ingest1k, "sanitize", from, size),
      };
      for (const [name, step] of Object.entries(steps)) {
        const m = await measure(step);
        (rows[name] ??= []).push({ ms: m.ms, app: m.cpu?.app ?? null, server: m.cpu?.server ?? null });
      }
    }
    layers[size] = rows;
  }

  const med = (list, key) => median(list.map((x) => x[key]));
  const gen = (size, key) => med(layers[size].generate, key);
  const sizeOf = { http1k: 1_000, http5k: 5_000, core1k: 1_000, core5k: 5_000, raw1k: 1_000, raw5k: 5_000 };
  // In-object baselines generate their rows first; that cost (measured by the "generate" op,
  // which also includes the bench route's own HTTP + RPC) is taken out.
  const net = (key, metric) =>
    batches[key].map((x) => (key.startsWith("http") ? x[metric] : Math.max(0.001, x[metric] - gen(sizeOf[key], metric))));
  const rowsPerSecond = (key, metric) => round((batches[key].length * sizeOf[key]) / (sum(net(key, metric)) / 1000), 0);
  const result = {
    notesPerTenant: NOTES,
    baseRecordsMs: world.baseMs,
    rowsPerSecond: Object.fromEntries(Object.keys(batches).map((k) => [k, rowsPerSecond(k, "ms")])),
    rowsPerAppCpuSecond: cpu.roles ? Object.fromEntries(Object.keys(batches).map((k) => [k, rowsPerSecond(k, "app")])) : null,
    batchMs: Object.fromEntries(Object.entries(batches).map(([k, v]) => [k, { n: v.length, ...summarize(v.map((x) => x.ms)) }])),
    growth: Object.fromEntries(
      Object.entries(batches).map(([k, v]) => {
        const tenth = Math.max(1, Math.floor(v.length / 10));
        const rate = (list) => round((list.length * sizeOf[k]) / (sum(list.map((x) => x.ms)) / 1000), 0);
        return [k, { firstTenthRowsPerSecond: rate(v.slice(0, tenth)), lastTenthRowsPerSecond: rate(v.slice(-tenth)) }];
      }),
    ),
    generationMsPerBatch: { 1_000: round(gen(1_000, "ms")), 5_000: round(gen(5_000, "ms")) },
    // A run of standalone reference lookups (jobs.pkOf and friends, one indexed read each), per call.
    oneIndexedSelect: {
      wallUs: round(((med(layers[5_000].lookup, "ms") - gen(5_000, "ms")) / 5_000) * 1000, 1),
      appCpuUs: cpu.roles ? round(((med(layers[5_000].lookup, "app") - gen(5_000, "app")) / 5_000) * 1000, 1) : null,
    },
    htmlToTextUs: cpu.roles ? round(((med(layers[5_000].sanitize, "app") - gen(5_000, "app")) / 5_000) * 1000, 1) : null,
  };
  result.ratio = {
    http1kVsRaw1k: round(result.rowsPerSecond.http1k / result.rowsPerSecond.raw1k, 3),
    http5kVsRaw5k: round(result.rowsPerSecond.http5k / result.rowsPerSecond.raw5k, 3),
    core1kVsRaw1k: round(result.rowsPerSecond.core1k / result.rowsPerSecond.raw1k, 3),
    core5kVsRaw5k: round(result.rowsPerSecond.core5k / result.rowsPerSecond.raw5k, 3),
  };
  if (result.rowsPerAppCpuSecond) {
    const r = result.rowsPerAppCpuSecond;
    result.ratioByAppCpu = {
      http1kVsRaw1k: round(r.http1k / r.raw1k, 3),
      http5kVsRaw5k: round(r.http5k / r.raw5k, 3),
      core1kVsRaw1k: round(r.core1k / r.raw1k, 3),
      core5kVsRaw5k: round(r.core5k / r.raw5k, 3),
    };
  }
  // Budget of one HTTP ingest batch from medians: the in-object paths ran on identical batches
  // in lockstep; the router-side layers are separate (non-writing) samples, so "rest" also
  // absorbs their noise.
  const budget = (size, metric) => {
    const l = layers[size];
    const m = (name) => med(l[name], metric);
    const k = size === 1_000 ? "1k" : "5k";
    const total = median(net(`http${k}`, metric));
    const core = median(net(`core${k}`, metric));
    const write = median(net(`raw${k}`, metric));
    const parts = {
      "router: body, auth, JSON.parse, zod (validate-only)": m("validateOnly"),
      "RPC: body copied to the object (rpc-echo - validate-only)": m("rpcEcho") - m("validateOnly"),
      "object: zod again (parse - generate)": m("parse") - m("generate"),
      "ingestBatch: SQLite + FTS5 writes (raw insert)": write,
      "ingestBatch: lookups, HTML-to-text, counting (core - raw)": core - write,
    };
    parts["rest: guard, audit, response, noise"] = total - sum(Object.values(parts));
    return { total: round(total), parts: Object.fromEntries(Object.entries(parts).map(([key, v]) => [key, round(v)])) };
  };
  result.budget = {
    1_000: { wallMs: budget(1_000, "ms"), appCpuMs: cpu.roles ? budget(1_000, "app") : null },
    5_000: { wallMs: budget(5_000, "ms"), appCpuMs: cpu.roles ? budget(5_000, "app") : null },
  };
  return result;
}

/** Fills the big tenants the chosen benchmarks read quickly (raw insert) when the ingest benchmark is not selected. */
async function seedWithoutIngestBenchmark(world) {
  // ingest5k is only read by context (second object) and noisy (tenant A).
  const needed = RUN.has("context") || RUN.has("noisy") ? [TENANTS.ingest1k, TENANTS.ingest5k] : [TENANTS.ingest1k];
  for (const tenant of needed) {
    for (let from = 0; from < NOTES; from += 5_000) {
      await api("POST", "/v1/__bench/notes", { token: world.tokens[tenant], body: { op: "raw", from, count: 5_000 } });
    }
  }
}

// ---------------------------------------------------------------- (b) context reads and the price of auth

async function benchContext(world, idp) {
  const token = world.tokens[TENANTS.ingest1k];
  const token2 = world.tokens[TENANTS.ingest5k];
  const N = 600;
  const N1 = 150;
  const C = 8;
  const WARM = 30;
  const auth = (t) => ({ authorization: `Bearer ${t}` });
  const jobPath = (i) => `/v1/jobs/${jobId((((i * 7) % CORPUS.jobs) + CORPUS.jobs) % CORPUS.jobs)}/context`;
  // Fresh tokens: one per request, so each pays a full RS256 verification.
  const fresh = [];
  for (let i = 0; i < ROUNDS * 2 * (N + N1 + 2 * WARM); i++) fresh.push(await idp.mint(dispatcherOf(TENANTS.ingest1k)));
  let freshNext = 0;
  const freshToken = () => fresh[freshNext++ % fresh.length];
  const dev = { "x-user-id": dispatcherOf(TENANTS.ingest1k), "x-user-role": "dispatcher", "x-tenant-id": TENANTS.ingest1k };

  const variants = {
    healthz: () => ({ path: "/healthz" }),
    "after-auth": () => ({ path: "/v1/__bench/after-auth", headers: auth(token) }),
    "after-auth (fresh JWT)": () => ({ path: "/v1/__bench/after-auth", headers: auth(freshToken()) }),
    "after-select": () => ({ path: "/v1/__bench/after-select", headers: auth(token) }),
    "rpc-noop": () => ({ path: "/v1/__bench/rpc-noop", headers: auth(token) }),
    me: () => ({ path: "/v1/me", headers: auth(token) }),
    context: (i) => ({ path: jobPath(i), headers: auth(token) }),
    "context (fresh JWT)": (i) => ({ path: jobPath(i), headers: auth(freshToken()) }),
    "context (dev auth)": (i) => ({ path: jobPath(i), headers: dev }),
    "context, 2 objects": (i) => ({ path: jobPath(i), headers: auth(i % 2 === 0 ? token : token2) }),
  };
  const names = Object.keys(variants);
  const runs = Object.fromEntries(names.map((n) => [n, { c8: [], c1: [] }]));
  const sample = await api("GET", jobPath(1), { token });
  const auditCosts = [];
  for (let k = 0; k < 3; k++) {
    const m = await measure(() => api("POST", "/v1/__bench/audit", { token, body: { count: 500 } }));
    const noop = await measure(() => api("GET", "/v1/__bench/rpc-noop", { token }));
    auditCosts.push({ ms: (m.ms - noop.ms) / 500, app: m.cpu ? (m.cpu.app - noop.cpu.app) / 500 : null });
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no variant always runs first or last.
    const order = names.map((_, k) => names[(k + r * 3) % names.length]);
    for (const name of order) {
      runs[name].c8.push(await load({ label: name, n: N, concurrency: C, warmup: WARM, make: variants[name] }));
      runs[name].c1.push(await load({ label: name, n: N1, concurrency: 1, warmup: WARM, make: variants[name] }));
    }
    process.stderr.write(`  context round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write("\n");
  const mid = (list, key) => round(median(list.map((x) => x[key])));
  const cpuOf = (list, role) => (cpu.roles ? round(median(list.map((x) => x.cpuMsPerRequest[role])), 3) : null);
  const variantsOut = Object.fromEntries(
    names.map((name) => {
      const { c8, c1 } = runs[name];
      return [
        name,
        {
          rps: mid(c8, "rps"),
          rpsRounds: c8.map((x) => x.rps),
          c8: { n: sum(c8.map((x) => x.n)), p50: mid(c8, "p50"), p90: mid(c8, "p90"), p99: mid(c8, "p99") },
          c1: { n: sum(c1.map((x) => x.n)), p50: mid(c1, "p50"), p90: mid(c1, "p90"), p99: mid(c1, "p99") },
          cpuMsPerRequest: cpu.roles
            ? Object.fromEntries(["app", "proxy", "wrangler", "server", "driver"].map((role) => [role, cpuOf(c8, role)]))
            : null,
        },
      ];
    }),
  );
  // Ratios per round (the two phases ran minutes apart at most), then their median.
  const ratio = (a, b) => round(median(runs[a].c8.map((x, i) => x.rps / runs[b].c8[i].rps)), 3);
  const cpuRatio = (a, b, role) =>
    cpu.roles ? round(variantsOut[b].cpuMsPerRequest[role] / variantsOut[a].cpuMsPerRequest[role], 3) : null;
  const appDelta = (a, b) => (cpu.roles ? round(variantsOut[a].cpuMsPerRequest.app - variantsOut[b].cpuMsPerRequest.app, 3) : null);
  return {
    concurrency: C,
    requestsPerVariantPerRound: { c8: N, c1: N1 },
    variants: variantsOut,
    ratios: {
      contextVsHealthz: ratio("context", "healthz"),
      meVsHealthz: ratio("me", "healthz"),
      contextFreshJwtVsHealthz: ratio("context (fresh JWT)", "healthz"),
      contextDevAuthVsHealthz: ratio("context (dev auth)", "healthz"),
      twoObjectsVsOne: ratio("context, 2 objects", "context"),
    },
    // Capacity ratios from CPU per request (what req/s would be if the CPU were ours alone).
    cpuRatios: {
      contextVsHealthzAllServerProcesses: cpuRatio("context", "healthz", "server"),
      contextVsHealthzAppOnly: cpuRatio("context", "healthz", "app"),
      meVsHealthzAppOnly: cpuRatio("me", "healthz", "app"),
    },
    // App (workerd) CPU ms each layer adds to one request: where the time goes.
    ladderAppCpuMs: {
      "healthz: HTTP, request id, log line": cpu.roles ? variantsOut.healthz.cpuMsPerRequest.app : null,
      "router middleware + JWT from the verified-token cache (after-auth - healthz)": appDelta("after-auth", "healthz"),
      "RS256 verification of a new token (after-auth fresh - after-auth)": appDelta("after-auth (fresh JWT)", "after-auth"),
      "tenant selection via cached directory (after-select - after-auth)": appDelta("after-select", "after-auth"),
      "Durable Object RPC round trip (rpc-noop - after-select)": appDelta("rpc-noop", "after-select"),
      "the guard: meta, member, settings, 2 rate-counter writes (me - rpc-noop)": appDelta("me", "rpc-noop"),
      "context: ~12 reads, audit append, 10 KB JSON (context - me)": appDelta("context", "me"),
      "dev auth instead of a cached JWT (context dev - context)": appDelta("context (dev auth)", "context"),
    },
    contextResponseBytes: sample.text.length,
    auditAppend: {
      wallMs: round(median(auditCosts.map((x) => x.ms)), 3),
      appCpuMs: cpu.roles ? round(median(auditCosts.map((x) => x.app)), 3) : null,
    },
    perObject: {
      contextRpsOneObject: variantsOut.context.rps,
      contextRpsTwoObjects: variantsOut["context, 2 objects"].rps,
      contextAppCpuMsPerRequest: cpu.roles ? variantsOut.context.cpuMsPerRequest.app : null,
      // One object runs one request at a time: its ceiling is 1000 / (its share of app CPU per request).
      contextCeilingRpsFromAppCpu: cpu.roles ? round(1000 / variantsOut.context.cpuMsPerRequest.app, 0) : null,
    },
  };
}

// ---------------------------------------------------------------- (c) search

function searchQueries() {
  const common16 = "the unit and checked on replaced filter customer system pressure to of was leak found compressor";
  const serialNote = Math.floor((NOTES * 0.77) / 10) * 10 + 3;
  const list = [
    ["common", "the"],
    ["common", "unit"],
    ["common", "checked"],
    ["common", "pressure"],
    ["prefix", "the*"],
    ["prefix", "rep*"],
    ["prefix", "che*"],
    ["prefix", "com*"],
    ["prefix", "fil*"],
    ["prefix", "gra*"],
    ["rare", wordAtRank(300)],
    ["rare", wordAtRank(1_500)],
    ["rare", wordAtRank(3_500)],
    ["rare", noteSerial(serialNote) ?? "sn0000003"],
    ["rare", "zzqxvnotaword"],
    ["multi", "compressor leak"],
    ["multi", "replaced filter unit"],
    ["multi", "the unit checked"],
    ["multi", `leak ${wordAtRank(1_500)}`],
    ["multi", "customer reported noise near the rooftop"],
    ["multi", `"pressure" OR (valve) AND -leak NEAR/2 ^unit`],
    ["hostile (16 common words)", common16],
    ["hostile (16 prefixes)", "the* uni* and* che* rep* fil* cus* sys* pre* lea* fou* com* val* tes* coi* mot*"],
  ];
  const out = list.map(([category, text]) => ({ category, text, who: "dispatcher" }));
  for (const text of ["the", "rep*", "compressor leak", wordAtRank(1_500)]) out.push({ category: "technician", text, who: "technician" });
  out.push({ category: "job-scoped", text: "the", who: "dispatcher", jobId: jobId(17) });
  out.push({ category: "job-scoped", text: "rep* unit", who: "dispatcher", jobId: jobId(1_234) });
  return out;
}

async function benchSearch(world) {
  const queries = searchQueries();
  const REPS = 40;
  const CPU_REPS = 8;
  const token = { dispatcher: world.tokens[TENANTS.ingest1k], technician: world.tokens.technician };
  const urlOf = (q) => `/v1/search?${new URLSearchParams({ q: q.text, limit: "20", ...(q.jobId ? { jobId: q.jobId } : {}) })}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (q) => send(agent, { path: urlOf(q), headers: { authorization: `Bearer ${token[q.who]}` }, keep: true });
  const latencies = queries.map(() => []);
  /** The tenant object's own time in each answer, from Server-Timing (`guard` + `queries`, timed by the object). */
  const objectMs = queries.map(() => []);
  /** The router's timing of the object call (`object`, RPC hop included). */
  const callMs = queries.map(() => []);
  const appCpu = queries.map(() => null);
  const info = [];
  const baseline = [];
  try {
    // Warm-up (discarded) and a look at each answer.
    for (const q of queries) {
      const res = await get(q);
      if (res.status !== 200) throw new Error(`search "${q.text}" answered ${res.status}: ${res.text.slice(0, 300)}`);
      info.push({
        hits: JSON.parse(res.text).length,
        exhaustive: res.headers["x-search-exhaustive"] ?? null,
        // What the search's SQL did (the `queries` metric of Server-Timing): where its time goes.
        sql: serverTimingWork(res.headers["server-timing"], "queries"),
      });
      await get(q);
    }
    // Latency: every (query, repetition) once, shuffled, one at a time.
    const schedule = shuffledSchedule(REPS, queries.length);
    for (let s = 0; s < schedule.length; s++) {
      const q = queries[schedule[s]];
      const res = await get(q);
      if (res.status !== 200) throw new Error(`search "${q.text}" answered ${res.status}`);
      latencies[schedule[s]].push(res.ms);
      const timing = res.headers["server-timing"];
      objectMs[schedule[s]].push(serverTimingMs(timing, "guard") + serverTimingMs(timing, "queries"));
      callMs[schedule[s]].push(serverTimingMs(timing, "object"));
      // Interleaved baseline: the same stack and guard without search, every 5th request.
      if (s % 5 === 0) baseline.push((await send(agent, { path: "/v1/me", headers: { authorization: `Bearer ${token.dispatcher}` } })).ms);
    }
    // Cost: app CPU per query, each query repeated back to back.
    if (cpu.roles) {
      for (let k = 0; k < queries.length; k++) {
        const before = cpu.snapshot(true);
        for (let r = 0; r < CPU_REPS; r++) await get(queries[k]);
        appCpu[k] = round((cpu.snapshot(true).app - before.app) / CPU_REPS, 2);
      }
    }
  } finally {
    agent.destroy();
  }
  // The search alone, inside the object (searchIndex.query, CORE_REPS times per call), and one
  // full index pass (what search.ts's index-size refresh costs once per 30 s per object).
  const CORE_REPS = 10;
  const coreCpu = queries.map(() => null);
  let indexScan = null;
  if (cpu.roles) {
    const dispatcher = world.tokens[TENANTS.ingest1k];
    const subject = { dispatcher: dispatcherOf(TENANTS.ingest1k), technician: technicianSubject(0) };
    for (let k = 0; k < queries.length; k++) {
      const q = queries[k];
      const body = { q: q.text, subject: subject[q.who], role: q.who, repeat: CORE_REPS, ...(q.jobId ? { jobId: q.jobId } : {}) };
      // Twice, keeping the cheaper: at most one of the two can include an index-size refresh.
      const runs = [];
      for (let t = 0; t < 2; t++)
        runs.push((await measure(() => api("POST", "/v1/__bench/search-core", { token: dispatcher, body }))).cpu.app);
      coreCpu[k] = round(Math.min(...runs) / CORE_REPS, 2);
    }
    const scans = [];
    for (let t = 0; t < 3; t++) {
      const scan = await measure(() => api("POST", "/v1/__bench/index-scan", { token: dispatcher }));
      const noop = await measure(() => api("GET", "/v1/__bench/rpc-noop", { token: dispatcher }));
      scans.push({ ms: scan.ms - noop.ms, app: scan.cpu.app - noop.cpu.app, rows: scan.value.json.rows });
    }
    indexScan = { rows: scans[0].rows, wallMs: round(median(scans.map((x) => x.ms))), appCpuMs: round(median(scans.map((x) => x.app))) };
  }
  const perQuery = queries.map((q, k) => ({
    ...q,
    ...info[k],
    n: latencies[k].length,
    ...summarize(latencies[k]),
    object: summarize(objectMs[k]),
    call: summarize(callMs[k]),
    appCpuMs: appCpu[k],
    coreAppCpuMs: coreCpu[k],
  }));
  const categories = [...new Set(queries.map((q) => q.category))];
  const pick = (pred, from = latencies) => queries.flatMap((q, k) => (pred(q) ? from[k] : []));
  const perCategory = Object.fromEntries(
    categories.map((c) => [
      c,
      {
        n: pick((q) => q.category === c).length,
        ...summarize(pick((q) => q.category === c)),
        object: summarize(pick((q) => q.category === c, objectMs)),
        call: summarize(pick((q) => q.category === c, callMs)),
        appCpuMs: cpu.roles ? round(median(perQuery.filter((q) => q.category === c).map((q) => q.appCpuMs))) : null,
        coreAppCpuMs: cpu.roles ? round(median(perQuery.filter((q) => q.category === c).map((q) => q.coreAppCpuMs))) : null,
      },
    ]),
  );
  return {
    notes: NOTES,
    repetitions: REPS,
    mix: { n: latencies.flat().length, ...summarize(latencies.flat()), object: summarize(objectMs.flat()), call: summarize(callMs.flat()) },
    mixWithoutHostile: {
      n: pick((q) => !q.category.startsWith("hostile")).length,
      ...summarize(pick((q) => !q.category.startsWith("hostile"))),
    },
    baselineMe: { n: baseline.length, ...summarize(baseline) },
    indexScan,
    perCategory,
    perQuery,
    over20msP99: perQuery.filter((q) => q.p99 > 20).map((q) => `${q.category}: ${q.text}${q.jobId ? ` (job ${q.jobId})` : ""}`),
  };
}

// ---------------------------------------------------------------- (d) noisy neighbour

async function benchNoisy(world) {
  const tokenA = world.tokens[TENANTS.ingest5k];
  const tokenB = world.tokens[TENANTS.ingest1k];
  const limitsA = { tenantPerMinute: 120, userPerMinute: 60 };
  await api("POST", "/v1/__bench/rate-limits", { token: tokenA, body: limitsA });
  const NB = 600;
  const CB = 2;
  const CA = 6;
  const PACED_RATE = 100;
  const jobPath = (i) => `/v1/jobs/${jobId((((i * 11) % CORPUS.jobs) + CORPUS.jobs) % CORPUS.jobs)}/context`;
  const makeB = (i) => ({ path: jobPath(i), headers: { authorization: `Bearer ${tokenB}` } });
  const makeA = (i) => ({ path: jobPath(i + 5), headers: { authorization: `Bearer ${tokenA}` } });
  const phases = { alone: [], closed: [], paced: [] };
  const floods = { closed: [], paced: [] };
  const cpuPhases = { closed: [], paced: [] };
  const floodOnly = [];
  const healthzOnly = [];

  /** B's measured load while A floods; A is already over its limit when B starts. */
  const withFlood = async (kind) => {
    let bDone = false;
    const before = cpu.snapshot();
    // Settled into a value at once, so a failing flood cannot become an unhandled rejection.
    const flood = (
      kind === "closed"
        ? load({ label: "A flood", n: 1_000_000, concurrency: CA, make: makeA, accept: [200, 429], stopWhen: () => bDone })
        : paced({ rate: PACED_RATE, make: makeA, stopWhen: () => bDone })
    ).then(
      (value) => ({ value }),
      (error) => ({ error }),
    );
    await sleep(500);
    const b = await load({ label: `B with A flooding (${kind})`, n: NB, concurrency: CB, warmup: 20, make: makeB }).finally(
      () => (bDone = true),
    );
    const outcome = await flood;
    if (outcome.error) throw outcome.error;
    phases[kind].push(b);
    floods[kind].push(outcome.value);
    cpuPhases[kind].push({ delta: CpuMeter.delta(before, cpu.snapshot()), nA: outcome.value.n, nB: NB + 20 });
  };

  for (let r = 0; r < Math.max(2, ROUNDS - 1); r++) {
    phases.alone.push(await load({ label: "B alone", n: NB, concurrency: CB, warmup: 20, make: makeB }));
    await withFlood("closed");
    phases.alone.push(await load({ label: "B alone", n: NB, concurrency: CB, warmup: 20, make: makeB }));
    await withFlood("paced");
    // A flood on its own (nearly all 429s, answered from the router's memory) against /healthz at
    // the same concurrency: a refusal should cost no more than the cheapest answer there is.
    floodOnly.push(await load({ label: "A flood only", n: 2_000, concurrency: CA, make: makeA, accept: [200, 429] }));
    healthzOnly.push(await load({ label: "healthz", n: 2_000, concurrency: CA, make: () => ({ path: "/healthz" }) }));
    process.stderr.write(`  noisy round ${r + 1}\r`);
  }
  process.stderr.write("\n");
  const mid = (list, key) => round(median(list.map((x) => x[key])));
  const view = (list) => ({
    n: sum(list.map((x) => x.n)),
    rps: mid(list, "rps"),
    p50: mid(list, "p50"),
    p99: mid(list, "p99"),
    roundsP99: list.map((x) => x.p99),
  });
  const aStats = (list) => ({
    requests: sum(list.map((f) => f.n)),
    status200: sum(list.map((f) => f.statuses[200] ?? 0)),
    status429: sum(list.map((f) => f.statuses[429] ?? 0)),
    other: sum(list.map((f) => f.n - (f.statuses[200] ?? 0) - (f.statuses[429] ?? 0))),
    rps: round(median(list.map((f) => f.rps)), 1),
  });
  const bAppCpu = cpu.roles ? median(phases.alone.map((x) => x.cpuMsPerRequest.app)) : null;
  const bServerCpu = cpu.roles ? median(phases.alone.map((x) => x.cpuMsPerRequest.server)) : null;
  // CPU of one rejected request = (phase CPU - B's share at its solo cost) / A's requests.
  const rejectedCost = (kind, role, bCost) =>
    cpu.roles ? round(median(cpuPhases[kind].map((p) => (p.delta[role] - p.nB * bCost) / Math.max(1, p.nA))), 3) : null;
  // Pair each flooded phase with the quiet phase right before it.
  const ratioOf = (kind, key) =>
    round(median(phases[kind].map((x, i) => x[key] / phases.alone[i * 2 + (kind === "paced" ? 1 : 0)][key])), 3);
  return {
    tenantA: TENANTS.ingest5k,
    tenantB: TENANTS.ingest1k,
    limitsA,
    concurrency: { A: CA, B: CB, pacedRateA: PACED_RATE },
    B: { alone: view(phases.alone), closedFlood: view(phases.closed), pacedFlood: view(phases.paced) },
    A: { closedFlood: aStats(floods.closed), pacedFlood: aStats(floods.paced) },
    p99Ratio: { closedFlood: ratioOf("closed", "p99"), pacedFlood: ratioOf("paced", "p99") },
    floodAlone: {
      ...aStats(floodOnly),
      healthzRps: round(median(healthzOnly.map((h) => h.rps)), 1),
      rpsVsHealthz: round(median(floodOnly.map((f, i) => f.rps / healthzOnly[i].rps)), 3),
    },
    p50Ratio: { closedFlood: ratioOf("closed", "p50"), pacedFlood: ratioOf("paced", "p50") },
    cpuMs: {
      bContextRead: { app: round(bAppCpu, 3), server: round(bServerCpu, 3) },
      aRejected429: { app: rejectedCost("closed", "app", bAppCpu), server: rejectedCost("closed", "server", bServerCpu) },
    },
  };
}

// ---------------------------------------------------------------- (g) the pre-arrival brief

/** `GET /v1/jobs/:id/brief` on the big tenant (every job has ~50 notes, ~5 jobs share a property): latency at c=1 and c=8. */
async function benchBrief(world) {
  const token = world.tokens[TENANTS.ingest1k];
  const briefPath = (i) => `/v1/jobs/${jobId((((i * 13) % CORPUS.jobs) + CORPUS.jobs) % CORPUS.jobs)}/brief`;
  const make = (i) => ({ path: briefPath(i), headers: { authorization: `Bearer ${token}` } });
  const sample = await api("GET", briefPath(1), { token });
  const runs = { c1: [], c8: [] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.c1.push(await load({ label: "brief c=1", n: 200, concurrency: 1, warmup: 20, make }));
    runs.c8.push(await load({ label: "brief c=8", n: 400, concurrency: 8, warmup: 20, make }));
    process.stderr.write(`  brief round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write("\n");
  const mid = (list, key) => round(median(list.map((x) => x[key])));
  // App CPU per request, when this machine's /proc schedstat counts it (a sandboxed kernel may report 0: then null).
  const of = (list) => {
    const appCpuMs = cpu.roles ? round(median(list.map((x) => x.cpuMsPerRequest?.app ?? 0)), 3) : null;
    return { p50: mid(list, "p50"), p99: mid(list, "p99"), rps: mid(list, "rps"), appCpuMs: appCpuMs || null };
  };
  return {
    notesPerTenant: NOTES,
    c1: of(runs.c1),
    c8: of(runs.c8),
    sampleBytes: sample.text.length,
    sampleSentences: sample.json.sections.reduce((n, s) => n + s.sentences.length, 0),
    sampleWork: serverTimingWork(sample.headers["server-timing"], "queries"),
  };
}

function briefMarkdown(b) {
  return [
    "",
    `(g) Pre-arrival brief, ${b.notesPerTenant} notes in the tenant (median of rounds)`,
    "",
    "| Load | p50 ms | p99 ms | req/s | app CPU ms/request |",
    "|---|---|---|---|---|",
    `| c=1 | ${b.c1.p50} | ${b.c1.p99} | ${b.c1.rps} | ${b.c1.appCpuMs ?? "–"} |`,
    `| c=8 | ${b.c8.p50} | ${b.c8.p99} | ${b.c8.rps} | ${b.c8.appCpuMs ?? "–"} |`,
    "",
    `One brief: ${b.sampleSentences} sentences, ${b.sampleBytes} bytes; SQL ${JSON.stringify(b.sampleWork)}`,
  ].join("\n");
}

// ---------------------------------------------------------------- report

function goals(results) {
  const out = [];
  const add = (benchmark, measure, value, goal, pass) => out.push({ benchmark, measure, value, goal, pass });
  const i = results.ingest;
  if (i) {
    add("(a) ingest", "HTTP ingest / raw insert, rows/s, 1000 per batch", i.ratio.http1kVsRaw1k, ">= 0.50", i.ratio.http1kVsRaw1k >= 0.5);
    add("(a) ingest", "HTTP ingest / raw insert, rows/s, 5000 per batch", i.ratio.http5kVsRaw5k, ">= 0.50", i.ratio.http5kVsRaw5k >= 0.5);
  }
  const c = results.context;
  if (c) {
    add("(b) context", "context / healthz, req/s at c=8", c.ratios.contextVsHealthz, ">= 0.70", c.ratios.contextVsHealthz >= 0.7);
    if (c.cpuRatios.contextVsHealthzAppOnly !== null)
      add(
        "(b) context",
        "context / healthz, capacity from app CPU per request",
        c.cpuRatios.contextVsHealthzAppOnly,
        ">= 0.70",
        c.cpuRatios.contextVsHealthzAppOnly >= 0.7,
      );
    add("(b) context", "GET /v1/me / healthz, req/s at c=8 (price of auth)", c.ratios.meVsHealthz, ">= 0.85", c.ratios.meVsHealthz >= 0.85);
    if (c.perObject.contextAppCpuMsPerRequest !== null)
      add(
        "(b) context",
        "context read, app CPU per request, ms",
        c.perObject.contextAppCpuMsPerRequest,
        "<= 4",
        c.perObject.contextAppCpuMsPerRequest <= 4,
      );
    add("(b) per object", "context reads to one tenant object, req/s at c=8", c.perObject.contextRpsOneObject, "–", null);
  }
  const s = results.search;
  if (s) {
    add("(c) search", "p99 of the whole query mix, ms", s.mix.p99, "<= 20", s.mix.p99 <= 20);
    add("(c) search", "p99 of the mix without the 2 hostile queries, ms", s.mixWithoutHostile.p99, "<= 20", s.mixWithoutHostile.p99 <= 20);
    const worst = Object.entries(s.perCategory).reduce((a, b) => (b[1].object.p99 > a[1].object.p99 ? b : a));
    add(
      "(c) search",
      `tenant object's own time (Server-Timing guard + queries), p99 of the worst query class (${worst[0]}) at ${s.notes} notes, ms`,
      worst[1].object.p99,
      "<= 10",
      worst[1].object.p99 <= 10,
    );
  }
  const n = results.noisy;
  if (n) {
    add("(d) noisy", "B p99 while A floods (closed loop, c=6) / B alone", n.p99Ratio.closedFlood, "<= 1.5", n.p99Ratio.closedFlood <= 1.5);
    add(
      "(d) noisy",
      `B p99 while A floods (paced, ${n.concurrency.pacedRateA}/s) / B alone`,
      n.p99Ratio.pacedFlood,
      "<= 1.5",
      n.p99Ratio.pacedFlood <= 1.5,
    );
    add(
      "(d) noisy",
      `A's flood alone (${n.floodAlone.status429} of ${n.floodAlone.requests} answered 429), req/s / healthz req/s at c=${n.concurrency.A}`,
      n.floodAlone.rpsVsHealthz,
      ">= 0.90",
      n.floodAlone.rpsVsHealthz >= 0.9,
    );
  }
  const r = results.realtime;
  if (r) {
    const a = r.asks;
    add("(e) realtime", `WS ask, time to first delta p99, ms (${a.asks} asks)`, a.firstDeltaMs.p99, "<= 50", a.firstDeltaMs.p99 <= 50);
    add("(e) realtime", "WS ask, time to first delta p50, ms", a.firstDeltaMs.p50, "–", null);
    add("(e) realtime", "WS ask, time to answer p50 / p99, ms", `${a.answerMs.p50} / ${a.answerMs.p99}`, "–", null);
    add("(e) realtime", "REST POST /v1/copilot/ask, same questions, p50 / p99, ms", `${a.restMs.p50} / ${a.restMs.p99}`, "–", null);
  }
  // --asks-only runs no socket phases.
  if (r?.fanout) {
    const f = r.fanout;
    const worst = f.allReachedMsMax;
    add(
      "(e) realtime",
      `job.updated reaches all ${f.rounds[0]?.permittedSockets ?? 0} permitted of ${f.openAtFanout} open sockets, worst of ${f.rounds.length} PATCHes, ms`,
      worst,
      "<= 1000",
      worst !== null && worst <= 1000 && f.openAtFanout === f.requestedSockets,
    );
    add(
      "(e) realtime",
      "job.updated frames to non-permitted sockets (all PATCHes)",
      f.nonPermittedReachedTotal,
      "0",
      f.nonPermittedReachedTotal === 0,
    );
    const m = r.idleMemory;
    add(
      "(e) realtime",
      `app workerd RSS per idle socket, ${m.sockets} sockets of one member, after ${m.idleMs / 1000} s idle, bytes`,
      m.bytesPerSocket.appAfterIdle,
      "a few KB",
      m.bytesPerSocket.appAfterIdle <= 8_192,
    );
    add(
      "(e) realtime",
      `app workerd RSS per socket after the ${f.openAtFanout}-member fan-out phase, bytes`,
      f.bytesPerSocket.appAfterIdle,
      "–",
      null,
    );
    const hb = m.heapBytesPerSocket;
    if (hb) {
      add("(e) realtime", `isolate JS heap per socket, object alive, ${m.sockets} sockets, bytes (after forced GC)`, hb.alive, "–", null);
      add(
        "(e) realtime",
        `isolate JS heap per hibernated socket, ${m.sockets} sockets after ${m.idleMs / 1000} s idle (object ${m.evictedWhileIdle ? "evicted" : "NOT evicted"}), bytes`,
        hb.hibernatedVsEvictedEmpty,
        "a few KB",
        hb.hibernatedVsEvictedEmpty === null ? null : hb.hibernatedVsEvictedEmpty <= 8_192,
      );
    }
    if (m.attachments)
      add(
        "(e) realtime",
        "serialized attachment per socket (kept by workerd outside the JS heap), bytes",
        m.attachments.serializedBytes,
        "–",
        null,
      );
  }
  return out;
}

function markdown(results) {
  const L = [];
  const cell = (v) => (v === null || v === undefined ? "–" : String(v));
  L.push("| Benchmark | Measure | Value | Goal | Met |", "|---|---|---|---|---|");
  for (const g of results.goals)
    L.push(`| ${g.benchmark} | ${g.measure} | ${cell(g.value)} | ${g.goal} | ${g.pass === null ? "–" : g.pass ? "yes" : "**no**"} |`);
  const i = results.ingest;
  if (i) {
    L.push("", `(a) Ingest, ${i.notesPerTenant} notes per tenant (raw and core: generation subtracted)`, "");
    L.push("| Path | rows/s | rows per app-CPU s | batch p50 ms | batch p99 ms |", "|---|---|---|---|---|");
    const label = {
      http1k: "POST /v1/ingest, 1000 per batch",
      http5k: "POST /v1/ingest, 5000 per batch",
      core1k: "ingestBatch in the object, 1000",
      core5k: "ingestBatch in the object, 5000",
      raw1k: "raw notes.upsert, 1000 per transaction",
      raw5k: "raw notes.upsert, 5000 per transaction",
    };
    for (const k of Object.keys(label))
      L.push(`| ${label[k]} | ${i.rowsPerSecond[k]} | ${cell(i.rowsPerAppCpuSecond?.[k])} | ${i.batchMs[k].p50} | ${i.batchMs[k].p99} |`);
    for (const size of ["1000", "5000"]) {
      const b = i.budget[size];
      L.push("", `Budget of one ${size}-note HTTP ingest (medians, ms)`, "", "| Part | wall | app CPU |", "|---|---|---|");
      for (const k of Object.keys(b.wallMs.parts)) L.push(`| ${k} | ${b.wallMs.parts[k]} | ${cell(b.appCpuMs?.parts[k])} |`);
      L.push(`| **total** | ${b.wallMs.total} | ${cell(b.appCpuMs?.total)} |`);
    }
    L.push(
      "",
      `A standalone indexed lookup through the data-access module (run of 5000): ${i.oneIndexedSelect.wallUs} µs wall, ${cell(i.oneIndexedSelect.appCpuUs)} µs app CPU; HTML-to-text per note: ${cell(i.htmlToTextUs)} µs.`,
    );
  }
  const c = results.context;
  if (c) {
    L.push("", `(b) Context reads and the auth ladder (req/s and p50/p99 at c=${c.concurrency}; c=1 latency; ms)`, "");
    L.push("| Variant | req/s | p50 | p99 | c=1 p50 | c=1 p99 | app CPU/req | server CPU/req |", "|---|---|---|---|---|---|---|---|");
    for (const [k, v] of Object.entries(c.variants))
      L.push(
        `| ${k} | ${v.rps} | ${v.c8.p50} | ${v.c8.p99} | ${v.c1.p50} | ${v.c1.p99} | ${cell(v.cpuMsPerRequest?.app)} | ${cell(v.cpuMsPerRequest?.server)} |`,
      );
    L.push(
      "",
      `Context response: ${c.contextResponseBytes} bytes. One audit append: ${c.auditAppend.wallMs} ms wall, ${cell(c.auditAppend.appCpuMs)} ms app CPU.`,
    );
    L.push("", "| Layer | app CPU ms added |", "|---|---|");
    for (const [k, v] of Object.entries(c.ladderAppCpuMs)) L.push(`| ${k} | ${cell(v)} |`);
  }
  const s = results.search;
  if (s) {
    L.push(
      "",
      `(c) Search over ${s.notes} notes, one request at a time (ms; GET /v1/me interleaved: p50 ${s.baselineMe.p50}, p99 ${s.baselineMe.p99})`,
      "",
    );
    L.push(
      "| Category | n | p50 | p90 | p99 | max | object's own p50 | object's own p99 | object call p99 | app CPU/request | searchIndex.query CPU |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const [k, v] of Object.entries(s.perCategory))
      L.push(
        `| ${k} | ${v.n} | ${v.p50} | ${v.p90} | ${v.p99} | ${v.max} | ${v.object.p50} | ${v.object.p99} | ${v.call.p99} | ${cell(v.appCpuMs)} | ${cell(v.coreAppCpuMs)} |`,
      );
    L.push(
      `| **mix** | ${s.mix.n} | ${s.mix.p50} | ${s.mix.p90} | ${s.mix.p99} | ${s.mix.max} | ${s.mix.object.p50} | ${s.mix.object.p99} | ${s.mix.call.p99} | | |`,
    );
    if (s.indexScan)
      L.push("", `One full FTS index pass (${s.indexScan.rows} rows): ${s.indexScan.wallMs} ms wall, ${s.indexScan.appCpuMs} ms app CPU.`);
    L.push(
      "",
      "| Query | who | hits | exhaustive | p50 | p99 | object's own p50 / p99 | SQL statements / rows read | app CPU/request | searchIndex.query CPU |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const q of s.perQuery)
      L.push(
        `| \`${q.text.replace(/\|/g, "\\|")}\`${q.jobId ? ` (job ${q.jobId})` : ""} | ${q.who} | ${q.hits} | ${q.exhaustive} | ${q.p50} | ${q.p99} | ${q.object.p50} / ${q.object.p99} | ${q.sql ? `${q.sql.statements} / ${q.sql.rowsRead}` : "–"} | ${cell(q.appCpuMs)} | ${cell(q.coreAppCpuMs)} |`,
      );
  }
  const n = results.noisy;
  if (n) {
    L.push(
      "",
      `(d) Noisy neighbour: B reads context at c=${n.concurrency.B}; A (limit ${n.limitsA.userPerMinute}/min per user) floods`,
      "",
    );
    L.push("| Phase | n | B req/s | B p50 | B p99 | A requests | A 429 | A 200 |", "|---|---|---|---|---|---|---|---|");
    L.push(`| B alone | ${n.B.alone.n} | ${n.B.alone.rps} | ${n.B.alone.p50} | ${n.B.alone.p99} | | | |`);
    const a1 = n.A.closedFlood;
    const a2 = n.A.pacedFlood;
    L.push(
      `| A closed loop c=${n.concurrency.A} | ${n.B.closedFlood.n} | ${n.B.closedFlood.rps} | ${n.B.closedFlood.p50} | ${n.B.closedFlood.p99} | ${a1.requests} | ${a1.status429} | ${a1.status200} |`,
    );
    L.push(
      `| A paced ${n.concurrency.pacedRateA}/s | ${n.B.pacedFlood.n} | ${n.B.pacedFlood.rps} | ${n.B.pacedFlood.p50} | ${n.B.pacedFlood.p99} | ${a2.requests} | ${a2.status429} | ${a2.status200} |`,
    );
    L.push(
      "",
      `App CPU per B context read ${cell(n.cpuMs.bContextRead.app)} ms; per A request refused with 429 ${cell(n.cpuMs.aRejected429.app)} ms.`,
    );
  }
  const r = results.realtime;
  if (r) {
    const a = r.asks;
    L.push("", `(e) Realtime asks over ${r.notes} notes, one socket, one ask at a time (${a.pacing}); REST interleaved (ms)`, "");
    L.push(
      "| Question | job | grounded | deltas | first delta p50 | p99 | answer p50 | p99 | REST p50 | p99 |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const q of a.perQuestion)
      L.push(
        `| ${q.question} | ${q.jobId ?? ""} | ${q.grounded} | ${q.deltas} | ${q.firstDelta.p50} | ${q.firstDelta.p99} | ${q.answer.p50} | ${q.answer.p99} | ${q.rest.p50} | ${q.rest.p99} |`,
      );
    L.push(
      `| **all** | | ${a.grounded.ws}/${a.asks} | | ${a.firstDeltaMs.p50} | ${a.firstDeltaMs.p99} | ${a.answerMs.p50} | ${a.answerMs.p99} | ${a.restMs.p50} | ${a.restMs.p99} |`,
    );
    L.push("", `App CPU per ask: WS ${cell(a.appCpuMsPerAsk.ws)} ms, REST ${cell(a.appCpuMsPerAsk.rest)} ms (medians).`);
    L.push(...askCostMarkdown(a));
  }
  if (r?.fanout) {
    const f = r.fanout;
    L.push(
      "",
      `(e) Fan-out: ${f.openAtFanout} of ${f.requestedSockets} sockets open (${f.members.dispatchers} dispatchers, ${f.members.assignedTechnicians} assigned technicians, ${f.members.unassignedTechnicians} unassigned); opening took ${f.openSeconds} s (+${f.settleSeconds} s for presence to settle; ${f.presence.frames} presence frames, ${f.presence.megabytes} MB)${f.failure ? `; failure: ${f.failure}` : ""}`,
      "",
    );
    L.push(
      "| PATCH | permitted | reached | all reached ms | first ms | p50 ms | PATCH response ms | non-permitted reached |",
      "|---|---|---|---|---|---|---|---|",
    );
    f.rounds.forEach((x, k) =>
      L.push(
        `| ${k + 1} | ${x.permittedSockets} | ${x.reached} | ${cell(x.allReachedMs)} | ${x.firstMs} | ${x.p50Ms} | ${x.patchResponseMs} | ${x.nonPermittedReached}/${x.nonPermittedSockets} |`,
      ),
    );
    L.push("", "| Moment | app RSS KiB | proxy RSS KiB | app fds | proxy fds |", "|---|---|---|---|---|");
    for (const k of ["beforeSockets", "afterOpen", "afterIdle", "afterFirstPatch", "afterPatches"])
      if (f.memory[k])
        L.push(`| ${k} | ${f.memory[k].appRssKiB} | ${f.memory[k].proxyRssKiB} | ${f.memory[k].appFds} | ${f.memory[k].proxyFds} |`);
    const m = r.idleMemory;
    L.push(
      "",
      `(e) Idle memory: ${m.sockets} sockets of one member opened in ${m.openSeconds} s (${m.presenceFrames} presence frames); ${m.stillOpen} still open after ${m.idleMs / 1000} s idle; tenant objects constructed: ${m.isolateBefore.objectsConstructed} before, ${m.isolateAfterIdle.objectsConstructed} after the idle wait`,
      "",
      "| Moment | app RSS KiB | proxy RSS KiB | app fds | proxy fds |",
      "|---|---|---|---|---|",
    );
    for (const k of ["before", "afterOpen", "afterIdle", "afterClose"])
      L.push(`| ${k} | ${m[k].appRssKiB} | ${m[k].proxyRssKiB} | ${m[k].appFds} | ${m[k].proxyFds} |`);
    L.push(
      "",
      `Bytes per idle socket: app ${m.bytesPerSocket.appAfterOpen} right after opening, ${m.bytesPerSocket.appAfterIdle} after ${m.idleMs / 1000} s idle; proxy ${m.bytesPerSocket.proxyAfterIdle}. Closing them took ${m.closeSeconds} s.`,
    );
    if (r.inspector?.error) L.push("", `Isolate JS heap: not measured (inspector: ${r.inspector.error}).`);
    else if (m.heap) {
      const line = (label, h) =>
        h && !h.error
          ? `| ${label} | ${h.usedSize} | ${h.embedderHeapUsedSize} | ${h.usedSpread} |`
          : `| ${label} | ${cell(h?.error)} | | |`;
      L.push(
        "",
        `(e) Isolate JS heap after a forced GC (median of 5; Runtime.getHeapUsage through the inspector); object evicted before the sockets: ${m.evictedBeforeSockets}, during the idle wait: ${m.evictedWhileIdle}`,
        "",
        "| Moment | V8 used bytes | embedder (cppgc) bytes | spread of 5 |",
        "|---|---|---|---|",
        line("no sockets, object idle", m.heap.evictedEmpty),
        line("no sockets, object woken by an RPC", m.heap.aliveEmpty),
        line(`${m.sockets} sockets, object alive`, m.heap.aliveSockets),
        line(`${m.sockets} sockets after ${m.idleMs / 1000} s idle`, m.heap.hibernated),
        line(`${m.sockets} sockets, object woken by an RPC`, m.heap.woken),
        line("after the sockets closed", m.heap.afterClose),
      );
      for (const [label, d] of [
        ["object alive", m.heapObjects?.aliveVsEvictedEmpty],
        [`after ${m.idleMs / 1000} s idle`, m.heapObjects?.hibernatedVsEvictedEmpty],
      ])
        if (d)
          L.push(
            "",
            `Heap snapshot per socket, ${label}, against no sockets: ${d.nodesPerSocket} nodes, ${d.selfBytesPerSocket} bytes (${d.codeBytesPerSocket} of them compiled code and feedback); most: ${d.top
              .slice(0, 6)
              .map((t) => `${t.kind} (${t.perSocket} per socket, ${t.selfBytesPerSocket} B)`)
              .join("; ")}`,
          );
      const hb = m.heapBytesPerSocket;
      L.push(
        "",
        `JS heap per socket: ${cell(hb.alive)} bytes with the object alive (embedder ${cell(hb.aliveEmbedder)}); after the idle wait ${cell(hb.hibernatedVsEvictedEmpty)} against the idle no-socket state (${cell(hb.hibernatedVsAliveEmpty)} against the alive one); woken again ${cell(hb.wokenVsAliveEmpty)}.`,
      );
    }
    if (m.attachments)
      L.push(
        "",
        `Attachment per socket (${m.attachments.sockets} sockets): ${m.attachments.jsonBytes?.p50} bytes as JSON, ${m.attachments.serializedBytes} serialized (V8 format); of which ConnectionState ${m.attachments.connectionStateJsonBytes} / ${m.attachments.connectionStateSerializedBytes}.`,
      );
    L.push(
      "",
      `Fan-out phase bytes per socket: app ${cell(f.bytesPerSocket.appAfterOpen)} right after opening, ${cell(f.bytesPerSocket.appAfterIdle)} after ${f.idleMs / 1000} s idle; proxy ${cell(f.bytesPerSocket.proxyAfterIdle)}; isolate JS heap ${cell(f.heapBytesPerSocket?.afterOpen)} after opening, ${cell(f.heapBytesPerSocket?.afterIdle)} after the idle wait, ${cell(f.heapBytesPerSocket?.afterPatches)} after the PATCHes. Tenant objects constructed in the isolate: ${f.isolate.beforeSockets.objectsConstructed} before the sockets, ${f.isolate.afterIdle.objectsConstructed} after the idle wait, ${f.isolate.afterFanout.objectsConstructed} after the PATCHes.`,
    );
  }
  return L.join("\n");
}

// ---------------------------------------------------------------- main

/** The commit measured (with "+dirty" for uncommitted changes); BENCH_COMMIT names it when run from an export. */
function gitCommit() {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return `${head}${dirty.trim() === "" ? "" : "+dirty"}`;
  } catch {
    return process.env.BENCH_COMMIT ?? null;
  }
}

async function main() {
  const started = new Date();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "fieldpilot-bench-"));
  const logFile = path.join(tmp, "wrangler.log");
  const idp = await startIdentityProvider();
  PORT = await freePort();
  const inspectorPort = await freePort();
  const wrangler = startWrangler({
    issuer: idp.issuer,
    port: PORT,
    inspectorPort,
    persistTo: path.join(tmp, "state"),
    logFile,
  });
  cpu = new CpuMeter(wrangler.pgid, PORT);
  let stopping = false;
  const cleanup = async () => {
    if (stopping) return;
    stopping = true;
    singleAgent.destroy();
    await wrangler.stop();
    await idp.close();
    if (KEEP_LOGS) console.error(`logs kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping wrangler`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    console.error(`wrangler dev on ${HOST}:${PORT} (log: ${logFile})`);
    for (let i = 0; ; i++) {
      if (!wrangler.isRunning()) throw new Error(`wrangler exited early:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
      if (i >= 240) throw new Error("wrangler did not answer /healthz within 120 s");
      try {
        if ((await send(singleAgent, { path: "/healthz" })).status === 200) break;
      } catch {
        /* not up yet */
      }
      await sleep(500);
    }
    const roles = cpu.discover();
    const loadBefore = os.loadavg();
    if (NEEDS_WORLD) console.error("creating tenants and members through the platform API");
    const world = NEEDS_WORLD ? await createWorld(idp) : null;
    const results = {
      meta: {
        startedAt: started.toISOString(),
        command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
        nproc: os.availableParallelism(),
        cpu: os.cpus()[0]?.model ?? "unknown",
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        wrangler: JSON.parse(readFileSync(path.join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version,
        workerd: JSON.parse(readFileSync(path.join(ROOT, "node_modules/workerd/package.json"), "utf8")).version,
        processes: roles ? Object.fromEntries(Object.entries(roles).map(([k, v]) => [k, v.length])) : null,
        commit: gitCommit(),
        loadAverageBefore: loadBefore.map((v) => round(v)),
        notesPerTenant: NOTES,
        rounds: ROUNDS,
        benchmarks: [...RUN],
        ...(RUN.has("realtime") ? { sockets: ASKS_ONLY ? 0 : SOCKETS, asks: ASKS, asksOnly: ASKS_ONLY } : {}),
      },
    };
    if (RUN.has("ingest")) {
      console.error(`(a) ingest: ${NOTES} notes into each of ${Object.keys(TENANTS).length} tenants`);
      results.ingest = await benchIngest(world);
    } else if (NEEDS_WORLD) {
      console.error(`seeding ${NOTES} notes per tenant with the raw insert (the ingest benchmark is not selected)`);
      await seedWithoutIngestBenchmark(world);
    }
    if (RUN.has("context")) {
      console.error("(b) context reads, the price of auth, per-object throughput");
      results.context = await benchContext(world, idp);
    }
    if (RUN.has("search")) {
      console.error("(c) search latency");
      results.search = await benchSearch(world);
    }
    if (RUN.has("noisy")) {
      console.error("(d) noisy neighbour");
      results.noisy = await benchNoisy(world);
    }
    // Before the asks: with `library realtime`, every ask also searches a library of 10,000 chunks.
    if (RUN.has("library")) {
      console.error("(i) library search over 10,000 chunks");
      results.library = await benchLibrary({ api, send, idp, operator: OPERATOR, issuer: idp.issuer, cpu, serverTimingMs });
    }
    if (RUN.has("realtime")) {
      console.error(`(e) realtime: ${ASKS} asks${ASKS_ONLY ? " only" : `, ${SOCKETS} sockets`}`);
      results.realtime = await benchRealtime({
        api,
        idp,
        host: HOST,
        port: PORT,
        inspectorPort,
        heapSnapshots: HEAP_SNAPSHOTS,
        cpu,
        tenant: TENANTS.ingest1k,
        token: world.tokens[TENANTS.ingest1k],
        operator: world.operator,
        socketCount: SOCKETS,
        askCount: ASKS,
        asksOnly: ASKS_ONLY,
        corpus: {
          dispatcher: dispatcherOf(TENANTS.ingest1k),
          notes: NOTES,
          serial: noteSerial(Math.floor((NOTES * 0.31) / 10) * 10 + 3) ?? "sn0000003",
          jobA: jobId(17),
          jobB: jobId(1_234),
          clientId: clientId(0),
          propertyId: propertyId(0),
        },
      });
    }
    if (RUN.has("export")) {
      console.error(`(f) export and import: ${EXPORT_ROUNDS} export rounds, ${IMPORT_ROUNDS} import rounds`);
      results.export = await benchExport({
        api,
        idp,
        host: HOST,
        port: PORT,
        cpu,
        operator: world.operator,
        source: TENANTS.ingest1k,
        notes: NOTES,
        rounds: EXPORT_ROUNDS,
        importRounds: IMPORT_ROUNDS,
      });
    }
    if (RUN.has("semantic")) {
      console.error(`(g) semantic: ingest with the embed queue on and off, ${ROUNDS} rounds`);
      results.semantic = await benchSemantic({
        api,
        idp,
        operator: world.operator,
        issuer: idp.issuer,
        base: baseRecords(),
        notesBody,
        measure,
        rounds: ROUNDS,
      });
    }
    if (RUN.has("brief")) {
      console.error("(h) pre-arrival brief");
      results.brief = await benchBrief(world);
    }
    results.goals = goals(results);
    if (results.export) results.goals.push(...exportGoals(results.export));
    if (results.semantic) results.goals.push(...semanticGoals(results.semantic));
    if (results.library) results.goals.push(...libraryGoals(results.library));
    results.meta.loadAverageAfter = os.loadavg().map((v) => round(v));
    results.meta.seconds = round((Date.now() - started.getTime()) / 1000, 1);
    mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
    // A realtime-only or export-only run keeps the last full run's latest.json and writes its own file.
    const resultFile =
      RUN.size === 1 && ["realtime", "export", "semantic", "brief", "library"].some((name) => RUN.has(name))
        ? `${[...RUN][0]}.json`
        : "latest.json";
    const target = path.join(ROOT, "bench/results", resultFile);
    const prettier = await import("prettier");
    const text = await prettier.format(JSON.stringify(results), { ...((await prettier.resolveConfig(target)) ?? {}), parser: "json" });
    writeFileSync(target, text);
    console.log(markdown(results));
    if (results.export) console.log(exportMarkdown(results.export));
    if (results.semantic) console.log(semanticMarkdown(results.semantic));
    if (results.brief) console.log(briefMarkdown(results.brief));
    if (results.library) console.log(libraryMarkdown(results.library));
    console.log(`\nwritten: bench/results/${resultFile} (${results.meta.seconds} s)`);
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

/**
 * `npm start`: the whole FieldPilot system on workerd (wrangler dev), with dev auth on and the
 * demo tenants loaded, so a newcomer can paste curl commands right away.
 *
 *   1. starts `wrangler dev` on 127.0.0.1:$PORT (default 8787) with local persistence in
 *      .wrangler/state (or $PERSIST_TO) and the dev-only vars on the command line (wrangler.jsonc
 *      stays production-safe);
 *   2. waits for GET /healthz (60 s at most);
 *   3. seeds the demo tenants through the public API (scripts/seed.mjs: members through the
 *      platform API, records with their history through the admin import; idempotent), then the
 *      demo's manuals into the shared library and each tenant's own documents (scripts/demo-library.mjs);
 *   4. prints a banner with the users and ready-to-paste curl examples.
 * FIELDPILOT_EXTRA_VARS (optional): a JSON object of more vars for the Worker, e.g.
 * '{"OIDC_ISSUER":"http://127.0.0.1:9000","OIDC_CLIENT_ID":"…"}' to try OIDC sign-in locally;
 * each is passed as a `--var` and wins over the dev-only defaults below.
 * Ctrl-C (or SIGTERM) is forwarded to wrangler's process group; this script exits with its code.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { demoData, DEMO_TODAY } from "./demo-data.mjs";
import { formatKnowledge, formatSummary, PLATFORM_OPERATOR, seedDemo, seedKnowledge } from "./seed.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://${HOST}:${PORT}`;
const HEALTH_TIMEOUT_MS = 60_000;
/** Where wrangler keeps local state; `npm run try` points this at its own temporary directory. */
const PERSIST_TO = process.env.PERSIST_TO ? path.resolve(process.env.PERSIST_TO) : undefined;
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

const say = (line = "") => process.stdout.write(`${line}\n`);
const fail = (message) => {
  process.stderr.write(`\n[start] ${message}\n`);
};

if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65_535) {
  fail(`PORT must be an integer between 1 and 65535 (got "${process.env.PORT}").`);
  process.exit(1);
}
if (!existsSync(WRANGLER)) {
  fail(`wrangler is not installed (${path.relative(ROOT, WRANGLER)} is missing). Run \`npm ci\` first.`);
  process.exit(1);
}

/** Refuse early when the port is taken: the health check would otherwise talk to someone else's server. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

if (!(await portIsFree(PORT))) {
  fail(`port ${PORT} on ${HOST} is already in use. Stop whatever listens there, or choose another port: PORT=8788 npm start`);
  process.exit(1);
}

// ------------------------------------------------------------------ the web app

// The Worker serves dist/web as its static assets (wrangler.jsonc); build it fresh on every start.
say("[start] building the web app (web/ → dist/web)");
const built = spawnSync(path.join(ROOT, "node_modules", ".bin", "vite"), ["build", "-c", "web/vite.config.ts"], {
  cwd: ROOT,
  stdio: "inherit",
});
if (built.status !== 0) {
  fail("the web app did not build (see above).");
  process.exit(1);
}

// ------------------------------------------------------------------ wrangler dev

/** FIELDPILOT_EXTRA_VARS: more vars (a JSON object of strings), refused early when malformed. */
function extraVars() {
  const text = process.env.FIELDPILOT_EXTRA_VARS;
  if (!text) return {};
  let vars;
  try {
    vars = JSON.parse(text);
  } catch {
    vars = null;
  }
  if (!vars || typeof vars !== "object" || Array.isArray(vars) || Object.values(vars).some((v) => typeof v !== "string")) {
    fail('FIELDPILOT_EXTRA_VARS must be a JSON object of strings, e.g. \'{"OIDC_CLIENT_ID":"fieldpilot"}\'.');
    process.exit(1);
  }
  return vars;
}

const vars = {
  ALLOW_DEV_AUTH: "1",
  ENVIRONMENT: "development",
  PLATFORM_ADMIN_SUBJECTS: PLATFORM_OPERATOR,
  // A fixed, public, dev-only key-encryption key, so provider keys stored locally survive restarts.
  // Production sets its own with `wrangler secret put PROVIDER_KEY_KEKS` (docs/runbook.md).
  PROVIDER_KEY_KEKS: "v1:ZGV2LW9ubHkta2VrLW5ldmVyLXVzZS1pbi1wcm9kISE=",
  // The same for the web app's sign-in sessions: public and dev-only, so a restart keeps you signed in.
  // Production sets its own with `wrangler secret put SESSION_KEYS` (README, configuration).
  SESSION_KEYS: "v1:ZGV2LW9ubHktc2Vzc2lvbi1rZXktbm90LXByb2QhISE=",
  ...extraVars(),
};

const args = [
  "dev",
  "--ip",
  HOST,
  "--port",
  String(PORT),
  ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  "--show-interactive-dev-session=false",
  ...(PERSIST_TO ? ["--persist-to", PERSIST_TO] : []),
];
// Extra vars may carry secrets (OIDC_CLIENT_SECRET): their values are not printed.
const shown = new Set(Object.keys(extraVars()).map((name) => `${name}:${vars[name]}`));
say(`[start] wrangler ${args.map((a) => (shown.has(a) ? `${a.split(":")[0]}:…` : a)).join(" ")}`);

// Its own process group (detached), so a signal reaches wrangler and the workerd it spawns together.
const child = spawn(WRANGLER, args, {
  cwd: ROOT,
  stdio: ["ignore", "inherit", "inherit"],
  detached: true,
  env: {
    ...process.env,
    // node_modules/.bin first (as `npm start` does), so wrangler runs on the project's Node 22
    // even when this script was started as `node scripts/start.mjs`.
    PATH: [path.dirname(WRANGLER), path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter),
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
  },
});

let exited = null;
const childExit = new Promise((resolve) => {
  child.once("exit", (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  });
});
child.once("error", (error) => {
  fail(`could not start wrangler: ${error.message}`);
  process.exit(1);
});

/** The child's exit code, or 128 + the signal number when a signal ended it (as a shell reports it). */
const exitCodeOf = ({ code, signal }) => code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0);

let stopping = false;
function signalGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Stops wrangler (SIGINT first, SIGKILL if it lingers) and exits with `code` (default: wrangler's). */
async function stop(signal, code) {
  if (!stopping) {
    stopping = true;
    if (exited === null) signalGroup(signal);
  } else {
    signalGroup("SIGKILL");
  }
  const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
  const result = await childExit;
  clearTimeout(timer);
  // Whatever wrangler left in its group (workerd) goes too.
  signalGroup("SIGKILL");
  process.exit(code ?? exitCodeOf(result));
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void stop(signal === "SIGHUP" ? "SIGTERM" : signal));

// ------------------------------------------------------------------ wait, seed, banner

async function waitForHealth() {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) return "exited";
    try {
      const res = await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.text();
      if (res.ok) return "ok";
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return "timeout";
}

const health = await waitForHealth();
if (health === "exited") {
  fail(
    `wrangler exited before the server came up (code ${exited.code ?? "none"}, signal ${exited.signal ?? "none"}). See its output above.`,
  );
  process.exit(exited.code || 1);
}
if (health === "timeout") {
  fail(`GET ${BASE}/healthz did not answer within ${HEALTH_TIMEOUT_MS / 1000} s. Stopping wrangler; see its output above.`);
  await stop("SIGINT", 1);
}

const data = demoData();
say(`\n[start] server is up at ${BASE}; loading the demo tenants through the public API...`);
try {
  for (const summary of await seedDemo(BASE, { data })) say(`[start]   ${formatSummary(summary)}`);
  for (const summary of await seedKnowledge(BASE, { data })) say(`[start]   ${formatKnowledge(summary)}`);
} catch (error) {
  fail(`seeding the demo data failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop("SIGINT", 1);
}
say(banner(data));

// If wrangler stops on its own (a crash, a bad edit), say so and exit with its code.
void childExit.then((result) => {
  if (stopping) return;
  fail(`wrangler exited (code ${result.code ?? "none"}, signal ${result.signal ?? "none"}).`);
  signalGroup("SIGKILL"); // workerd must not outlive it
  process.exit(exitCodeOf(result) || 1);
});

function banner({ tenants }) {
  const [acme, northwind] = tenants;
  const tech = "ana.tech";
  const myJobs = acme.data.jobs.filter((j) => j.assignees.includes(tech));
  // The job of the day: ana's visit in progress (the story with the RTU-2 contactor).
  const job = myJobs.find((j) => j.status === "in_progress") ?? myJobs[0];
  const dispatcher = acme.members.find((m) => m.role === "dispatcher").subject;
  const admin = acme.members.find((m) => m.role === "admin").subject;
  const other = acme.members.find((m) => m.role === "technician" && !job.assignees.includes(m.subject)).subject;
  const h = (name, value) => `-H '${name}: ${value}'`;
  const users = tenants
    .map((t) => {
      const byRole = (role) =>
        t.members
          .filter((m) => m.role === role)
          .map((m) => m.subject)
          .join(", ");
      return [
        `  ${t.id}  (${t.name}, region ${t.region}: ${t.data.jobs.length} jobs, ${t.data.notes.length} notes, ${t.data.events.length} events)`,
        `    admin ${byRole("admin")} · dispatcher ${byRole("dispatcher")} · auditor ${byRole("auditor")} · service ${byRole("service")}`,
        `    technicians ${byRole("technician")}`,
      ].join("\n");
    })
    .join("\n");
  const curls = [
    [`Who am I (tenant, role, memberships)`, `curl -s ${BASE}/v1/me ${h("x-user-id", tech)}`],
    [`${tech} lists her jobs (a technician sees only jobs assigned to her)`, `curl -s '${BASE}/v1/jobs?limit=5' ${h("x-user-id", tech)}`],
    [
      `Everything about today's job ${job.id}, with evidence refs (${other} gets 404 for it)`,
      `curl -s ${BASE}/v1/jobs/${job.id}/context ${h("x-user-id", tech)}`,
    ],
    [`Full-text search over what ${tech} may read`, `curl -s '${BASE}/v1/search?q=contactor&limit=5' ${h("x-user-id", tech)}`],
    [
      `The dispatcher ingests a note on ${job.id} (upsert by id: run it twice, the second says "unchanged")`,
      `curl -s -X POST ${BASE}/v1/ingest ${h("x-user-id", dispatcher)} ${h("content-type", "application/json")} -d '{"notes":[{"id":"N-9001","jobId":"${job.id}","body":"Customer called: RTU-2 is short-cycling again after lunch."}]}'`,
    ],
    [`The admin reads the audit log`, `curl -s '${BASE}/v1/admin/audit?limit=5' ${h("x-user-id", admin)}`],
  ];
  return [
    "",
    "=".repeat(100),
    ` FieldPilot is running at ${BASE}  (workerd via wrangler dev, dev auth ON, state in ${PERSIST_TO ?? ".wrangler/state"})`,
    ` Demo data: two tenants, visits Oct-Dec 2026, jobs booked since late September, customers since 2024;`,
    ` "today" in the data is ${DEMO_TODAY} (fixed, so every start shows the same history).`,
    "",
    " Dev auth (local only): send x-user-id; you act with your membership's role unless x-user-role overrides it",
    " (trusted as given). Members of one tenant need no x-tenant-id.",
    ` Platform operator: x-user-id: ${PLATFORM_OPERATOR} (for /v1/platform/*). OpenAPI: ${BASE}/v1/openapi.json`,
    "",
    users,
    "",
    ` Try (tenant ${acme.id}; for ${northwind.id} use e.g. ${northwind.members.find((m) => m.role === "technician").subject} and q=F.28):`,
    ...curls.flatMap(([title, cmd]) => ["", `  # ${title}`, `  ${cmd}`]),
    "",
    " Ctrl-C stops the server. Data persists across restarts; `rm -rf .wrangler/state` starts from scratch.",
    "=".repeat(100),
    "",
  ].join("\n");
}

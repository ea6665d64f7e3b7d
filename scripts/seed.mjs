/**
 * Loads the demo tenants into a running FieldPilot through its public API, with dev-auth headers
 * (the server must run with ALLOW_DEV_AUTH=1 outside production and list the operator in
 * PLATFORM_ADMIN_SUBJECTS): the operator creates each tenant and upserts its members, then the
 * tenant's admin imports its records as an export file (`POST /v1/admin/import`, built by
 * demoImportFile), the one API that restores records with their own `createdAt`/`updatedAt`, so the
 * demo shows jobs, clients and properties created over the past months rather than at seeding time.
 *
 * Idempotent: an existing tenant (409) is kept and members are upserted; an import needs an empty
 * tenant, so a tenant that already holds the demo's records is left as it is (reported "already
 * loaded"), and one seeded by an older version, whose jobs carry the seeding time, is reported so.
 *
 * Used by scripts/start.mjs; also runs on its own against a server that is already up:
 *   node scripts/seed.mjs [baseUrl]        (default http://127.0.0.1:8787)
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { demoData, demoImportFile } from "./demo-data.mjs";

export const PLATFORM_OPERATOR = "platform-admin";
/** The dev-auth identities carry this issuer; memberships must name it to match them. */
const DEV_ISSUER = "dev";
/** The record kinds of the file (the import counts them by these names) and the demo data's lists of them. */
const LISTS = { client: "clients", property: "properties", job: "jobs", note: "notes", event: "events" };
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

class SeedError extends Error {}

async function api(baseUrl, method, path, { headers = {}, body, ndjson } = {}) {
  let response;
  const type = ndjson !== undefined ? "application/x-ndjson" : body !== undefined ? "application/json" : undefined;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { ...(type ? { "content-type": type } : {}), ...headers },
      body: ndjson ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new SeedError(`${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  let json;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text };
}

function explain(method, path, res) {
  const problem = res.json && typeof res.json === "object" ? res.json : null;
  const detail = problem ? `${problem.code ?? problem.title}: ${problem.detail}` : res.text.slice(0, 300);
  const errors = problem?.errors ? ` ${JSON.stringify(problem.errors.slice(0, 5))}` : "";
  return `${method} ${path} answered ${res.status} (${detail})${errors}`;
}

/**
 * The tenant object's own reduction of free text to plain text (what `POST /v1/ingest` stores for
 * a note's body or a job's title), so the import file holds the same text an ingest would have.
 * sanitize.ts is TypeScript; esbuild (as scripts/openapi.mjs uses it) bundles it for Node, ~0.5 s,
 * only when a tenant is to be loaded.
 */
let plainTextLoaded;
function plainTextOfTenantObject() {
  plainTextLoaded ??= build({
    stdin: {
      contents: 'export { toPlainText } from "./durable-objects/tenant/sanitize.ts";',
      resolveDir: ROOT,
      loader: "ts",
      sourcefile: "seed-sanitize-entry.ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    logLevel: "silent",
  }).then(async (out) => {
    const module = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
    return module.toPlainText;
  });
  return plainTextLoaded;
}

/**
 * Whether the tenant already holds the demo's records: its first job, read by the admin, with the
 * creation time the file gives it ("loaded"), another one ("stale": loaded by an older seed, through
 * ingest, with the seeding time), or none ("empty").
 */
async function demoState(baseUrl, tenant, headers) {
  const job = tenant.data.jobs[0];
  const path = `/v1/jobs/${encodeURIComponent(job.id)}`;
  const res = await api(baseUrl, "GET", path, { headers });
  if (res.status === 404) return "empty";
  if (res.status !== 200) throw new SeedError(`${tenant.id}: ${explain("GET", path, res)}`);
  return res.json.createdAt === tenant.times.jobs[job.id].createdAt ? "loaded" : "stale";
}

/**
 * Seeds every demo tenant. Returns one summary per tenant:
 * `{ id, created, members: {added, updated}, records: "imported" | "loaded" | "stale", counts: {client: n, ...} }`
 * (`counts`: what the import wrote, or what the tenant was found to hold from an earlier start).
 */
export async function seedDemo(baseUrl, { data = demoData(), operator = PLATFORM_OPERATOR } = {}) {
  const platform = { "x-user-id": operator };
  const summaries = [];
  for (const tenant of data.tenants) {
    const created = await api(baseUrl, "POST", "/v1/platform/tenants", {
      headers: platform,
      body: { id: tenant.id, name: tenant.name, region: tenant.region },
    });
    if (created.status === 401 || created.status === 403)
      throw new SeedError(
        `${explain("POST", "/v1/platform/tenants", created)}. Is dev auth on and "${operator}" in PLATFORM_ADMIN_SUBJECTS?`,
      );
    if (created.status !== 201 && created.status !== 409) throw new SeedError(explain("POST", "/v1/platform/tenants", created));
    if (created.status === 409) {
      const list = await api(baseUrl, "GET", "/v1/platform/tenants", { headers: platform });
      const existing = list.json?.tenants?.find((t) => t.id === tenant.id);
      if (!existing)
        throw new SeedError(
          `tenant ${tenant.id} was deleted earlier and its id cannot be reused. Start from empty local state: rm -rf .wrangler/state`,
        );
      if (existing.status !== "active")
        throw new SeedError(
          `tenant ${tenant.id} is ${existing.status}. Resume it: curl -X POST ${new URL(`/v1/platform/tenants/${tenant.id}/resume`, baseUrl)} -H 'x-user-id: ${operator}'`,
        );
    }

    const members = { added: 0, updated: 0 };
    for (const m of tenant.members) {
      const path = `/v1/platform/tenants/${tenant.id}/members`;
      const res = await api(baseUrl, "POST", path, { headers: platform, body: { subject: m.subject, role: m.role, issuer: DEV_ISSUER } });
      if (res.status === 201) members.added++;
      else if (res.status === 200) members.updated++;
      else throw new SeedError(explain("POST", path, res));
    }

    const admin = tenant.members.find((m) => m.role === "admin");
    const headers = { "x-user-id": admin.subject, "x-tenant-id": tenant.id };
    const state = await demoState(baseUrl, tenant, headers);
    if (state !== "empty") {
      const counts = Object.fromEntries(Object.entries(LISTS).map(([kind, list]) => [kind, tenant.data[list].length]));
      summaries.push({ id: tenant.id, created: created.status === 201, members, records: state, counts });
      continue;
    }
    const file = await demoImportFile(tenant, { plainText: await plainTextOfTenantObject() });
    const res = await api(baseUrl, "POST", "/v1/admin/import", { headers, ndjson: file });
    if (res.status === 409)
      throw new SeedError(
        `${tenant.id}: ${explain("POST", "/v1/admin/import", res)}. The tenant holds records but not the demo's; start from empty local state: rm -rf .wrangler/state`,
      );
    if (res.status !== 200) throw new SeedError(`${tenant.id}: ${explain("POST", "/v1/admin/import", res)}`);
    summaries.push({ id: tenant.id, created: created.status === 201, members, records: "imported", counts: res.json.counts });
  }
  return summaries;
}

/**
 * One line per tenant: `acme-hvac (created; 8 members upserted): imported 15 clients, 25 properties, ...`,
 * or `already loaded` on a restart.
 */
export function formatSummary(s) {
  const kinds = Object.entries(LISTS)
    .map(([kind, list]) => `${s.counts[kind] ?? 0} ${list}`)
    .join(", ");
  // Members are counted as upserted: the platform route answers 201 even for an unchanged member.
  const members = s.members.added + s.members.updated;
  const head = `${s.id} (${s.created ? "created" : "already existed"}; ${members} members upserted)`;
  if (s.records === "imported") return `${head}: imported ${kinds} with their history`;
  if (s.records === "loaded") return `${head}: already holds the demo's ${kinds}; left as it is`;
  return `${head}: holds the demo's records as an older version loaded them, every job created at seeding time; for the dated history start from empty local state (rm -rf .wrangler/state, or the PERSIST_TO directory)`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  try {
    for (const s of await seedDemo(baseUrl)) console.log(formatSummary(s));
  } catch (error) {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

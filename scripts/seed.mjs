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
 * Then the demo's knowledge (seedKnowledge, scripts/demo-library.mjs): the manuals into the shared
 * library as the operator, and each tenant's own documents as its admin; a document already there is
 * left as it is, or given a new version when the demo's text of it changed.
 *
 * Used by scripts/start.mjs; also runs on its own against a server that is already up:
 *   node scripts/seed.mjs [baseUrl]        (default http://127.0.0.1:8787)
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { demoData, demoImportFile } from "./demo-data.mjs";
import { demoLibrary, demoTenantDocuments } from "./demo-library.mjs";

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
 * A TypeScript module of the app, bundled for Node by esbuild (as scripts/openapi.mjs does), ~0.5 s,
 * only when it is needed: the exports `entry` names.
 */
const tsModules = new Map();
function tsModule(entry) {
  if (!tsModules.has(entry))
    tsModules.set(
      entry,
      build({
        stdin: { contents: entry, resolveDir: ROOT, loader: "ts", sourcefile: "seed-entry.ts" },
        bundle: true,
        platform: "node",
        format: "esm",
        write: false,
        logLevel: "silent",
      }).then((out) => import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`)),
    );
  return tsModules.get(entry);
}

/**
 * The tenant object's own reduction of free text to plain text (what `POST /v1/ingest` stores for
 * a note's body or a job's title), so the import file holds the same text an ingest would have.
 */
async function plainTextOfTenantObject() {
  return (await tsModule('export { toPlainText } from "./durable-objects/tenant/sanitize.ts";')).toPlainText;
}

/** The chunker the library and the tenant documents use, to tell whether a stored document holds a text. */
async function chunker() {
  return (await tsModule('export { chunkDocument } from "./durable-objects/knowledge/chunk.ts";')).chunkDocument;
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

/** Where a collection of documents is written and read: the shared library (by the operator), or a tenant's own (by its admin). */
const COLLECTIONS = {
  library: {
    create: "/v1/platform/library/documents",
    read: (id) => `/v1/platform/library/documents/${id}`,
    update: (id) => `/v1/platform/library/documents/${id}`,
  },
  tenant: { create: "/v1/admin/documents", read: (id) => `/v1/documents/${id}`, update: (id) => `/v1/admin/documents/${id}` },
};

/**
 * Uploads documents (`{ id, title, format, text }`) to a collection. A document already there is
 * compared with the text: unchanged (same title, format, and chunks with the same ids and text) it is
 * left as it is; changed, it gets a new version (PUT), so an edit to the demo content reaches a
 * running state on the next start while a restart writes nothing. Returns
 * `{ created, updated, unchanged }`.
 */
async function seedDocuments(baseUrl, docs, collection, headers) {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const chunkDocument = await chunker();
  for (const doc of docs) {
    const created = await api(baseUrl, "POST", collection.create, { headers, body: doc });
    if (created.status === 201) {
      counts.created++;
      continue;
    }
    if (created.status !== 409) throw new SeedError(explain("POST", collection.create, created));
    const path = collection.read(doc.id);
    const stored = await api(baseUrl, "GET", path, { headers });
    if (stored.status !== 200) throw new SeedError(explain("GET", path, stored));
    const chunks = (list) => JSON.stringify(list.map((c) => [c.id, c.text]));
    if (
      stored.json.title === doc.title &&
      stored.json.format === doc.format &&
      chunks(stored.json.chunks) === chunks(chunkDocument(doc.text, doc.format))
    ) {
      counts.unchanged++;
      continue;
    }
    const { id, ...version } = doc;
    const updated = await api(baseUrl, "PUT", collection.update(id), { headers, body: version });
    if (updated.status !== 200) throw new SeedError(explain("PUT", collection.update(id), updated));
    counts.updated++;
  }
  return counts;
}

/**
 * Seeds the demo's knowledge (scripts/demo-library.mjs): the shared library as the operator, then
 * each demo tenant's own documents as its admin (the tenants must exist: run seedDemo first).
 * Returns one summary per collection: `{ where: "library" | <tenant id>, documents: n, ...counts }`.
 */
export async function seedKnowledge(
  baseUrl,
  { data = demoData(), library = demoLibrary(), tenantDocuments = demoTenantDocuments(), operator = PLATFORM_OPERATOR } = {},
) {
  const collections = [{ where: "library", docs: library, collection: COLLECTIONS.library, headers: { "x-user-id": operator } }];
  for (const tenant of data.tenants) {
    const admin = tenant.members.find((m) => m.role === "admin");
    const headers = { "x-user-id": admin.subject, "x-tenant-id": tenant.id };
    collections.push({ where: tenant.id, docs: tenantDocuments[tenant.id] ?? [], collection: COLLECTIONS.tenant, headers });
  }
  const summaries = [];
  for (const { where, docs, collection, headers } of collections) {
    if (docs.length === 0) continue;
    summaries.push({ where, documents: docs.length, ...(await seedDocuments(baseUrl, docs, collection, headers)) });
  }
  return summaries;
}

/** One line per collection: `the shared library: 5 documents (5 created)`, or `acme-hvac's own documents: 1 document (1 already loaded and left as it is)`. */
export function formatKnowledge(s) {
  const head = `${s.where === "library" ? "the shared library" : `${s.where}'s own documents`}: ${s.documents} document${s.documents === 1 ? "" : "s"}`;
  const parts = [
    s.created && `${s.created} created`,
    s.updated && `${s.updated} updated to a new version`,
    s.unchanged && `${s.unchanged} already loaded and left as ${s.unchanged === 1 ? "it is" : "they are"}`,
  ];
  return `${head} (${parts.filter(Boolean).join(", ")})`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  try {
    for (const s of await seedDemo(baseUrl)) console.log(formatSummary(s));
    for (const s of await seedKnowledge(baseUrl)) console.log(formatKnowledge(s));
  } catch (error) {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

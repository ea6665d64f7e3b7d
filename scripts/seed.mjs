/**
 * Loads the demo tenants into a running FieldPilot through the public API only, with dev-auth
 * headers (the server must run with ALLOW_DEV_AUTH=1 outside production and list the operator in
 * PLATFORM_ADMIN_SUBJECTS). Idempotent: an existing tenant (409) is kept, members are upserted,
 * and ingest upserts by id, so a second run reports every record as unchanged.
 *
 * Used by scripts/start.mjs; also runs on its own against a server that is already up:
 *   node scripts/seed.mjs [baseUrl]        (default http://127.0.0.1:8787)
 */
import { pathToFileURL } from "node:url";
import { demoData } from "./demo-data.mjs";

export const PLATFORM_OPERATOR = "platform-admin";
/** The dev-auth identities carry this issuer; memberships must name it to match them. */
const DEV_ISSUER = "dev";
const KINDS = ["clients", "properties", "jobs", "notes", "events"];

class SeedError extends Error {}

async function api(baseUrl, method, path, { headers = {}, body } = {}) {
  let response;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
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

/** Batches small enough to stay far below the statement and body limits, in reference order. */
function batches(data, size = 150) {
  const out = [{ clients: data.clients, properties: data.properties, jobs: data.jobs }];
  for (const kind of ["notes", "events"])
    for (let i = 0; i < data[kind].length; i += size) out.push({ [kind]: data[kind].slice(i, i + size) });
  return out;
}

const zeroCounts = () => Object.fromEntries(KINDS.map((k) => [k, { inserted: 0, updated: 0, unchanged: 0 }]));

/**
 * Seeds every demo tenant. Returns one summary per tenant:
 * `{ id, created, members: {added, updated}, counts: {clients: {inserted, updated, unchanged}, ...} }`.
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

    const dispatcher = tenant.members.find((m) => m.role === "dispatcher");
    const counts = zeroCounts();
    for (const body of batches(tenant.data)) {
      const res = await api(baseUrl, "POST", "/v1/ingest", {
        headers: { "x-user-id": dispatcher.subject, "x-user-role": "dispatcher", "x-tenant-id": tenant.id },
        body,
      });
      if (res.status !== 200) throw new SeedError(`${tenant.id}: ${explain("POST", "/v1/ingest", res)}`);
      for (const kind of KINDS)
        for (const outcome of ["inserted", "updated", "unchanged"]) counts[kind][outcome] += res.json[kind][outcome];
    }
    summaries.push({ id: tenant.id, created: created.status === 201, members, counts });
  }
  return summaries;
}

/** One line per tenant: `acme-hvac (created; 8 members upserted): clients 15/0/0, ...` (new/updated/unchanged). */
export function formatSummary(s) {
  const kinds = KINDS.map((k) => `${k} ${s.counts[k].inserted}/${s.counts[k].updated}/${s.counts[k].unchanged}`).join(", ");
  // Members are counted as upserted: the platform route answers 201 even for an unchanged member.
  const members = s.members.added + s.members.updated;
  return `${s.id} (${s.created ? "created" : "already existed"}; ${members} members upserted): ${kinds}  [new/updated/unchanged]`;
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

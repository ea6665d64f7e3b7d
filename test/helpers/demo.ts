import type { IngestBody } from "../../schemas/ingest";
import { toPlainText } from "../../durable-objects/tenant/sanitize";
import { demoData, demoImportFile } from "../../scripts/demo-data.mjs";
import { call } from "./api";
import { tenantWithCast, type Cast } from "./world";

/** The `npm start` demo tenants (scripts/demo-data.mjs), loaded into a fresh test tenant through the public API. */
export type DemoTenantId = "acme-hvac" | "northwind-plumbing";
export type DemoTenant = ReturnType<typeof demoData>["tenants"][number];

const KINDS = ["clients", "properties", "jobs", "notes", "events"] as const;
/** Ingest takes at most 5000 records of a kind per request; stay well below. */
const BATCH = 1_000;

export function demoTenant(id: DemoTenantId): DemoTenant {
  const tenant = demoData().tenants.find((t) => t.id === id);
  if (!tenant) throw new Error(`no demo tenant ${id}`);
  return tenant;
}

/** The demo tenant's import file, as scripts/seed.mjs builds it for `npm start`. */
export function demoFile(demo: DemoTenant): Promise<string> {
  return demoImportFile(demo, { plainText: toPlainText });
}

/**
 * A new tenant (unique id, the usual cast of members) holding the demo tenant's records with their
 * history, loaded the way `npm start` loads them: the admin imports the demo's export file
 * (scripts/seed.mjs). The demo's own technicians (ana.tech, …) are the assignees of its jobs, so
 * `visibilityFor(db, "technician", "ana.tech")` gives that technician's view.
 */
export async function loadDemoTenant(id: DemoTenantId): Promise<{ cast: Cast; demo: DemoTenant }> {
  const demo = demoTenant(id);
  const cast = await tenantWithCast(id.split("-")[0]);
  const res = await call("/v1/admin/import", {
    method: "POST",
    token: cast.admin,
    tenant: cast.tenantId,
    headers: { "content-type": "application/x-ndjson" },
    rawBody: await demoFile(demo),
  });
  if (res.status !== 200) throw new Error(`import of demo ${id} failed: ${res.status} ${res.text}`);
  return { cast, demo };
}

/** The same records ingested kind by kind by the dispatcher (`POST /v1/ingest`), so stamped with the time they were loaded. */
export async function ingestDemoTenant(id: DemoTenantId): Promise<{ cast: Cast; demo: DemoTenant }> {
  const demo = demoTenant(id);
  const cast = await tenantWithCast(id.split("-")[0]);
  for (const kind of KINDS) {
    const records = demo.data[kind];
    for (let i = 0; i < records.length; i += BATCH) {
      const body: IngestBody = { [kind]: records.slice(i, i + BATCH) };
      const res = await call("/v1/ingest", { token: cast.dispatcher, tenant: cast.tenantId, body });
      if (res.status !== 200) throw new Error(`ingest of demo ${kind} failed: ${res.status} ${res.text}`);
    }
  }
  return { cast, demo };
}

/** Refs (`kind:id`) a demo technician may read: assigned jobs, their notes and events, their clients and properties and those notes. */
export function visibleRefs(demo: DemoTenant, technician: string): Set<string> {
  const { jobs, notes, events } = demo.data;
  const mine = jobs.filter((j) => (j.assignees ?? []).includes(technician));
  const jobIds = new Set(mine.map((j) => j.id));
  const clientIds = new Set(mine.map((j) => j.clientId));
  const propertyIds = new Set(mine.flatMap((j) => (j.propertyId ? [j.propertyId] : [])));
  const refs = new Set<string>([
    ...[...jobIds].map((id) => `job:${id}`),
    ...[...clientIds].map((id) => `client:${id}`),
    ...[...propertyIds].map((id) => `property:${id}`),
  ]);
  for (const n of notes) {
    if ((n.jobId && jobIds.has(n.jobId)) || (n.clientId && clientIds.has(n.clientId)) || (n.propertyId && propertyIds.has(n.propertyId)))
      refs.add(`note:${n.id}`);
  }
  for (const e of events) if (jobIds.has(e.jobId)) refs.add(`event:${e.id}`);
  return refs;
}

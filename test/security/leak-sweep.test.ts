import { beforeAll, describe, expect, it } from "vitest";
import type { IngestBody } from "../schemas/ingest";
import { call } from "./helpers/api";
import { userToken } from "./helpers/tokens";
import { addMember, ingestAs, tenantWithCast, uniqueId, type Cast } from "./helpers/world";

/**
 * The canary sweep. Two tenants hold records with the same ids; every text field of every record
 * carries a canary unique to (tenant, record). Every read route is called by every role of both
 * tenants, with no tenant header, with its own tenant and with the other tenant, and no response
 * may contain a canary the caller may not read:
 *   - own tenant only (another tenant's header answers 403 and nothing);
 *   - admin, dispatcher, auditor: every record of their tenant;
 *   - technician: the jobs assigned to them, their notes and events, their client and property,
 *     and the notes on that client or property (not a sibling job of the same client, not another
 *     property of that client);
 *   - service: nothing.
 * Each caller must also see every canary it may read somewhere, so the sweep cannot pass blind.
 */

type CastRole = "admin" | "dispatcher" | "technician" | "otherTechnician" | "auditor" | "service";
const ROLES: CastRole[] = ["admin", "dispatcher", "technician", "otherTechnician", "auditor", "service"];
const TAGS = { A: "qa", B: "qb" } as const;
type TenantKey = keyof typeof TAGS;

/** `cnry` + tenant tag + record id + `x`: one FTS token, and no canary is a substring of another. */
const canary = (tenant: TenantKey, recordId: string): string => `cnry${TAGS[tenant]}${recordId.toLowerCase()}x`;

const RECORD_IDS = [
  ...["C1", "C2", "C3"],
  ...["P1", "P2", "P3", "P4"],
  ...["J1", "J2", "J3", "J4", "J5"],
  ...["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N10", "N11"],
  ...["E1", "E2", "E3", "E4", "E5"],
  ...["NT1", "NT2"],
];
const JOB_IDS = ["J1", "J2", "J3", "J4", "J5"];

/**
 * C1 has P1 (J1, J3) and P3 (no job); C2 has P2 (J2, J5); C3 has P4 (no job) and J4 (no property).
 * J1: technician · J2: otherTechnician · J3: the dual identity in A, nobody in B · J4: both technicians · J5: nobody.
 * NT1 / NT2 are notes the technicians add through POST /v1/jobs/:id/notes.
 */
const TECHNICIAN_READS: Record<"technician" | "otherTechnician" | "dual", string[]> = {
  technician: ["J1", "N1", "E1", "NT1", "C1", "P1", "N3", "N5", "J4", "N9", "E4", "C3", "N8"],
  otherTechnician: ["J2", "N2", "E2", "NT2", "C2", "P2", "N4", "J4", "N9", "E4", "C3", "N8"],
  dual: ["J3", "N6", "E3", "C1", "P1", "N3", "N5"],
};

function sweepData(tenant: TenantKey, cast: Cast, dualSubject: string): IngestBody {
  const k = (id: string) => canary(tenant, id);
  const tech = cast.subjects.technician;
  const other = cast.subjects.otherTechnician;
  return {
    clients: [
      { id: "C1", name: `Harbor Bakery ${k("C1")}`, email: `${k("C1")}@example.com`, phone: `555 ${k("C1")}` },
      { id: "C2", name: `Summit Offices ${k("C2")}`, email: `${k("C2")}@example.com` },
      { id: "C3", name: `Lakeside Clinic ${k("C3")}`, phone: k("C3") },
    ],
    properties: [
      { id: "P1", clientId: "C1", address: `12 Quay Street ${k("P1")}`, label: `Bakery ${k("P1")}` },
      { id: "P2", clientId: "C2", address: `400 Ridge Road ${k("P2")}`, label: `Tower ${k("P2")}` },
      { id: "P3", clientId: "C1", address: `7 Mill Lane ${k("P3")}`, label: `Warehouse ${k("P3")}` },
      { id: "P4", clientId: "C3", address: `9 Shore Drive ${k("P4")}` },
    ],
    jobs: [
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: `Walk-in cooler warm ${k("J1")}`,
        description: `Compressor cycling ${k("J1")}`,
        status: "scheduled",
        priority: "high",
        assignees: [tech],
      },
      {
        id: "J2",
        clientId: "C2",
        propertyId: "P2",
        title: `Rooftop unit service ${k("J2")}`,
        description: `Quarterly maintenance ${k("J2")}`,
        status: "in_progress",
        assignees: [other],
      },
      {
        id: "J3",
        clientId: "C1",
        propertyId: "P1",
        title: `Oven hood fan ${k("J3")}`,
        description: `Grease buildup ${k("J3")}`,
        status: "scheduled",
        assignees: tenant === "A" ? [dualSubject] : [],
      },
      {
        id: "J4",
        clientId: "C3",
        title: `Clinic boiler check ${k("J4")}`,
        description: `Annual inspection ${k("J4")}`,
        status: "scheduled",
        priority: "urgent",
        assignees: [tech, other],
      },
      {
        id: "J5",
        clientId: "C2",
        propertyId: "P2",
        title: `Lobby heat pump ${k("J5")}`,
        description: `Noisy fan ${k("J5")}`,
        status: "completed",
      },
    ],
    notes: [
      { id: "N1", jobId: "J1", body: `Replaced the condenser fan motor ${k("N1")}`, createdAt: "2026-10-01T10:00:00Z" },
      { id: "N2", jobId: "J2", body: `Rooftop access via east stairwell gate ${k("N2")}`, createdAt: "2026-10-02T10:00:00Z" },
      { id: "N3", clientId: "C1", body: `Bakery opens at 5am use the back door ${k("N3")}` },
      { id: "N4", propertyId: "P2", body: `Ladder stored in the loading dock ${k("N4")}` },
      { id: "N5", propertyId: "P1", body: `Alarm panel behind the flour store ${k("N5")}` },
      { id: "N6", jobId: "J3", body: `Hood filters soaked overnight ${k("N6")}` },
      { id: "N7", propertyId: "P3", body: `Warehouse keys with the foreman ${k("N7")}` },
      { id: "N8", clientId: "C3", body: `Clinic requires badge at reception ${k("N8")}` },
      { id: "N9", jobId: "J4", body: `Boiler pressure low at arrival ${k("N9")}` },
      { id: "N10", jobId: "J5", body: `Heat pump fan bearing worn ${k("N10")}` },
      { id: "N11", propertyId: "P4", body: `Shore drive gate code changes monthly ${k("N11")}` },
    ],
    events: [
      { id: "E1", jobId: "J1", type: `arrived.${k("E1")}`, at: "2026-10-01T09:00:00Z", data: { crew: `refrigeration ${k("E1")}` } },
      { id: "E2", jobId: "J2", type: `arrived.${k("E2")}`, at: "2026-10-02T09:00:00Z", data: { crew: `rooftop ${k("E2")}` } },
      { id: "E3", jobId: "J3", type: `departed.${k("E3")}`, at: "2026-10-03T09:00:00Z", data: { crew: `kitchen ${k("E3")}` } },
      { id: "E4", jobId: "J4", type: `arrived.${k("E4")}`, at: "2026-10-04T09:00:00Z", data: { crew: `boiler ${k("E4")}` } },
      { id: "E5", jobId: "J5", type: `departed.${k("E5")}`, at: "2026-10-05T09:00:00Z", data: { crew: `lobby ${k("E5")}` } },
    ],
  };
}

/** Every word of the fixture's texts except canaries and bare numbers, for word-by-word searches. */
function fixtureWords(body: IngestBody): string[] {
  const texts: string[] = [];
  for (const list of Object.values(body) as unknown[][]) {
    for (const record of list) {
      for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
        if (key === "id" || key.endsWith("Id") || key === "assignees") continue;
        texts.push(typeof value === "string" ? value : JSON.stringify(value));
      }
    }
  }
  const words = new Set<string>();
  for (const text of texts)
    for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) if (!m[0].startsWith("cnry") && !/^\d+$/.test(m[0])) words.add(m[0]);
  return [...words].sort();
}

interface Caller {
  name: string;
  token: string;
  /** x-tenant-id sent, if any. */
  header: string | undefined;
  /** Tenant whose data the call may read (null: the call must be refused). */
  reads: TenantKey | null;
  /** Record ids of that tenant the caller may read. */
  allowed: string[];
  /** Status every route must answer with (when the call must be refused). */
  refusedWith?: { status: number; code: string };
  /** Whether this caller may read the audit log (admin, auditor). */
  audit: boolean;
}

interface World {
  casts: Record<TenantKey, Cast>;
  dual: { subject: string; token: string };
  words: string[];
}

let world: World;

/** Server-chosen ids of the notes technicians add, by `<tenant>:<logical id>`. */
const serverIds = new Map<string, string>();

beforeAll(async () => {
  const casts = { A: await tenantWithCast("sweep-a"), B: await tenantWithCast("sweep-b") };
  const dualSubject = uniqueId("dual");
  await addMember(casts.A.tenantId, dualSubject, "technician");
  await addMember(casts.B.tenantId, dualSubject, "auditor");
  for (const t of ["A", "B"] as const) {
    await ingestAs(casts[t].dispatcher, casts[t].tenantId, sweepData(t, casts[t], dualSubject));
    for (const [role, jobId, noteId] of [
      ["technician", "J1", "NT1"],
      ["otherTechnician", "J2", "NT2"],
    ] as const) {
      // Technicians cannot choose note ids: remember the id the server gave each of these notes.
      const res = await call(`/v1/jobs/${jobId}/notes`, {
        token: casts[t][role],
        body: { body: `Field note ${canary(t, noteId)}` },
      });
      if (res.status !== 201) throw new Error(`note ${noteId} in ${t}: ${res.status} ${res.text}`);
      serverIds.set(`${t}:${noteId}`, res.body.id);
    }
  }
  world = {
    casts,
    dual: { subject: dualSubject, token: await userToken(dualSubject) },
    words: fixtureWords(sweepData("A", casts.A, dualSubject)),
  };
}, 60_000);

function callersOf(w: World): Caller[] {
  const out: Caller[] = [];
  for (const t of ["A", "B"] as const) {
    const other: TenantKey = t === "A" ? "B" : "A";
    for (const role of ROLES) {
      const allowed = role === "technician" || role === "otherTechnician" ? TECHNICIAN_READS[role] : role === "service" ? [] : RECORD_IDS;
      const base = { token: w.casts[t][role], allowed, audit: role === "admin" || role === "auditor" };
      out.push({ ...base, name: `${t}.${role} (no x-tenant-id)`, header: undefined, reads: t });
      out.push({ ...base, name: `${t}.${role} (x-tenant-id ${t})`, header: w.casts[t].tenantId, reads: t });
      out.push({
        ...base,
        name: `${t}.${role} (x-tenant-id ${other})`,
        header: w.casts[other].tenantId,
        reads: null,
        allowed: [],
        audit: false,
        refusedWith: { status: 403, code: "not_a_member" },
      });
    }
  }
  out.push({
    name: "dual (no x-tenant-id)",
    token: w.dual.token,
    header: undefined,
    reads: null,
    allowed: [],
    audit: false,
    refusedWith: { status: 400, code: "bad_request" },
  });
  out.push({
    name: "dual (x-tenant-id A, technician)",
    token: w.dual.token,
    header: w.casts.A.tenantId,
    reads: "A",
    allowed: TECHNICIAN_READS.dual,
    audit: false,
  });
  out.push({
    name: "dual (x-tenant-id B, auditor)",
    token: w.dual.token,
    header: w.casts.B.tenantId,
    reads: "B",
    allowed: RECORD_IDS,
    audit: true,
  });
  return out;
}

/** Every read route, with queries built to hit canaries: whole canaries, prefixes of them, and every fixture word. */
function routesFor(w: World): string[] {
  const routes = ["/v1/me", "/v1/jobs?limit=200", "/v1/admin/audit?limit=500", "/v1/admin/audit/verify", ...ADMIN_READS, ...ADMIN_ONLY];
  const subjects = [w.casts.A.subjects, w.casts.B.subjects].flatMap((s) => [s.technician, s.otherTechnician]).concat(w.dual.subject);
  for (const q of [
    "clientId=C1",
    "clientId=C2",
    "clientId=C3",
    "propertyId=P1",
    "propertyId=P2",
    "status=scheduled",
    "status=completed",
    "priority=urgent",
  ])
    routes.push(`/v1/jobs?limit=200&${q}`);
  for (const s of subjects) routes.push(`/v1/jobs?limit=200&assignee=${encodeURIComponent(s)}`);
  for (const id of [...JOB_IDS, "NOPE"]) routes.push(`/v1/jobs/${id}`, `/v1/jobs/${id}/context`);

  const queries = new Set<string>(["cnry*", "cnryq*", "cnryqa*", "cnryqb*", "cnry", "*", "cnry* condenser rooftop bakery"]);
  for (const t of ["A", "B"] as const) {
    for (const kind of ["c", "p", "j", "n", "e", "nt"]) queries.add(`cnry${TAGS[t]}${kind}*`);
    for (const id of RECORD_IDS) queries.add(canary(t, id));
  }
  for (const word of w.words) queries.add(word);
  queries.add(w.words.join(" "));
  for (const q of queries) routes.push(`/v1/search?limit=100&q=${encodeURIComponent(q)}`);
  for (const id of [...JOB_IDS, "NOPE"]) routes.push(`/v1/search?limit=100&jobId=${id}&q=${encodeURIComponent("cnry* gate fan")}`);

  // The copilot, asked about every canary and every fixture word, with and without a job.
  const asks: { question: string; jobId?: string }[] = [];
  for (const t of ["A", "B"] as const)
    for (const id of RECORD_IDS) asks.push({ question: `What do the records say about ${canary(t, id)}?` });
  for (let i = 0; i < w.words.length; i += 6) asks.push({ question: `What about ${w.words.slice(i, i + 6).join(" ")}?` });
  for (const jobId of [...JOB_IDS, "NOPE"]) asks.push({ question: "What is the gate code and what was done on the fan?", jobId });
  for (const ask of asks) routes.push(`${ASK}${JSON.stringify(ask)}`);
  return routes;
}

/** Pseudo-route: `ASK {json}` is a POST /v1/copilot/ask with that body. */
const ASK = "ASK ";

const ALL_CANARIES: { canary: string; tenant: TenantKey; id: string }[] = (["A", "B"] as const).flatMap((tenant) =>
  RECORD_IDS.map((id) => ({ canary: canary(tenant, id), tenant, id })),
);

interface SweepResult {
  leaks: string[];
  seen: Set<string>;
  failures: string[];
  calls: number;
  /** Copilot answers that were grounded (the copilot part of the sweep must see data too). */
  groundedAsks: number;
}

/** Administration reads (admin and auditor), and what only admins may fetch (the whole export, key masks). */
const ADMIN_READS = ["/v1/admin/members", "/v1/admin/settings", "/v1/admin/index/coverage", "/v1/admin/metrics", "/v1/admin/usage"];
const ADMIN_ONLY = ["/v1/admin/export", "/v1/admin/provider-keys"];

async function sweep(caller: Caller, routes: string[]): Promise<SweepResult> {
  const allowedCanaries = new Set(caller.reads === null ? [] : caller.allowed.map((id) => canary(caller.reads as TenantKey, id)));
  const realId = (id: string) => (caller.reads === null ? id : (serverIds.get(`${caller.reads}:${id}`) ?? id));
  const allowedRefs = new Set(
    caller.allowed.flatMap((id) => ["client", "property", "job", "note", "event"].map((k) => `${k}:${realId(id)}`)),
  );
  const allowedJobs = new Set(caller.allowed.filter((id) => JOB_IDS.includes(id)));
  const result: SweepResult = { leaks: [], seen: new Set(), failures: [], calls: 0, groundedAsks: 0 };

  const check = async (route: string) => {
    const res = route.startsWith(ASK)
      ? await call("/v1/copilot/ask", { token: caller.token, tenant: caller.header, body: JSON.parse(route.slice(ASK.length)) })
      : await call(route, { token: caller.token, tenant: caller.header });
    result.calls++;
    // An export holds the tenant's copilot messages, and in this sweep everyone's questions name
    // every canary (of both tenants): those lines are what A's users typed, not B's records.
    const text =
      route === "/v1/admin/export"
        ? res.text
            .split("\n")
            .filter((l) => !l.startsWith('{"kind":"message"'))
            .join("\n")
        : res.text;
    for (const c of ALL_CANARIES) {
      if (!text.includes(c.canary)) continue;
      if (allowedCanaries.has(c.canary)) result.seen.add(c.canary);
      else result.leaks.push(`LEAK ${caller.name} GET ${route} -> ${res.status}: leaked ${c.canary} (tenant ${c.tenant} record ${c.id})`);
    }
    if (res.status >= 500) result.failures.push(`${caller.name} GET ${route} -> ${res.status} ${res.text.slice(0, 200)}`);
    if (caller.refusedWith) {
      const body = res.body as { code?: string } | null;
      if (res.status !== caller.refusedWith.status || body?.code !== caller.refusedWith.code)
        result.failures.push(
          `${caller.name} GET ${route} -> ${res.status} ${res.text.slice(0, 200)}; expected ${caller.refusedWith.status} ${caller.refusedWith.code}`,
        );
      return;
    }
    if (res.status !== 200) return;
    // Structural checks beside the text: every search ref and listed job must be readable.
    if (route.startsWith("/v1/search")) {
      for (const hit of res.body as { ref: string }[])
        if (!allowedRefs.has(hit.ref)) result.leaks.push(`LEAK ${caller.name} GET ${route}: search returned ${hit.ref}`);
    } else if (route.startsWith(ASK)) {
      if ((res.body as { grounded: boolean }).grounded) result.groundedAsks++;
      for (const citation of (res.body as { citations: { ref: string }[] }).citations)
        if (!allowedRefs.has(citation.ref)) result.leaks.push(`LEAK ${caller.name} ${route}: copilot cited ${citation.ref}`);
    } else if (route.startsWith("/v1/jobs?")) {
      for (const job of (res.body as { jobs: { id: string }[] }).jobs)
        if (!allowedJobs.has(job.id)) result.leaks.push(`LEAK ${caller.name} GET ${route}: listed job ${job.id}`);
    }
  };

  const queue = [...routes];
  const workers = Array.from({ length: 12 }, async () => {
    for (let route = queue.shift(); route !== undefined; route = queue.shift()) await check(route);
  });
  await Promise.all(workers);
  return result;
}

/** Routes whose status a caller's role decides (spot checks that the sweep talks to the real thing). */
function expectedStatus(caller: Caller, route: string): number | undefined {
  if (caller.refusedWith) return caller.refusedWith.status;
  const role = caller.name.split(" ")[0]?.split(".")[1] ?? (caller.name.startsWith("dual") ? "dual" : "");
  if (route === "/v1/me") return 200;
  if (route.startsWith("/v1/admin/audit") || ADMIN_READS.includes(route)) return caller.audit ? 200 : 403;
  if (ADMIN_ONLY.includes(route)) return role === "admin" ? 200 : 403;
  if (role === "service") return 403;
  const m = /^\/v1\/jobs\/([^/?]+)(\/context)?$/.exec(route);
  if (m) return caller.allowed.includes(m[1] ?? "") ? 200 : 404;
  return undefined;
}

describe("canary sweep: no route leaks a record to a caller who may not read it", () => {
  it("builds a world where every record carries its canary", () => {
    const words = world.words;
    expect(words).toEqual(expect.arrayContaining(["condenser", "bakery", "rooftop", "ladder", "clinic"]));
    expect(words.some((w) => w.startsWith("cnry"))).toBe(false);
    expect(new Set(ALL_CANARIES.map((c) => c.canary)).size).toBe(ALL_CANARIES.length);
    for (const a of ALL_CANARIES) for (const b of ALL_CANARIES) if (a !== b) expect(b.canary.includes(a.canary)).toBe(false);
  });

  // The callers are built from the world, so each gets its own test, created lazily by name.
  const names: string[] = [];
  for (const t of ["A", "B"] as const)
    for (const role of ROLES) {
      const other = t === "A" ? "B" : "A";
      names.push(`${t}.${role} (no x-tenant-id)`, `${t}.${role} (x-tenant-id ${t})`, `${t}.${role} (x-tenant-id ${other})`);
    }
  names.push("dual (no x-tenant-id)", "dual (x-tenant-id A, technician)", "dual (x-tenant-id B, auditor)");

  it.each(names)("%s", { timeout: 120_000 }, async (name) => {
    const caller = callersOf(world).find((c) => c.name === name);
    if (!caller) throw new Error(`no caller ${name}`);
    const routes = routesFor(world);
    const result = await sweep(caller, routes);

    expect(result.calls).toBe(routes.length);
    expect(result.leaks, `${caller.name} leaked:\n${result.leaks.slice(0, 50).join("\n")}`).toEqual([]);
    expect(result.failures, `${caller.name} unexpected answers:\n${result.failures.slice(0, 50).join("\n")}`).toEqual([]);
    // The sweep sees what the caller may read: every allowed canary appears in some answer.
    const allowed = caller.reads === null ? [] : caller.allowed.map((id) => canary(caller.reads as TenantKey, id));
    expect([...result.seen].sort(), `${caller.name} could not see records it may read`).toEqual([...allowed].sort());
    // Readers who may ask the copilot get grounded answers from it in the sweep (not only refusals).
    if (caller.reads !== null && !caller.name.includes(".service"))
      expect(result.groundedAsks, `${caller.name} copilot`).toBeGreaterThan(0);

    for (const route of [
      "/v1/me",
      "/v1/admin/audit?limit=500",
      "/v1/admin/audit/verify",
      ...ADMIN_READS,
      ...ADMIN_ONLY,
      ...JOB_IDS.flatMap((id) => [`/v1/jobs/${id}`, `/v1/jobs/${id}/context`]),
    ]) {
      const status = expectedStatus(caller, route);
      if (status === undefined) continue;
      const res = await call(route, { token: caller.token, tenant: caller.header });
      expect(res.status, `${caller.name} GET ${route}: ${res.text.slice(0, 200)}`).toBe(status);
    }
  });
});

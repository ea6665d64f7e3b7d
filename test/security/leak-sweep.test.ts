import { exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../schemas/common";
import type { IngestBody } from "../../schemas/ingest";
import { ServerMessage } from "../../schemas/realtime";
import { BASE, call } from "../helpers/api";
import { apiOperations, combinations, fillPath, type Operation } from "../helpers/routes";
import { tenantObject } from "../helpers/storage";
import { keys, userToken } from "../helpers/tokens";
import { addMember, CAST_ROLES, ingestAs, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

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
 * The tenant's own documents carry canaries too (every version): every role but service reads
 * all of its own tenant's documents, and none of the other tenant's.
 *
 * The routes come from the app's OpenAPI document: every member GET is swept automatically (path
 * parameters from generators, queries from a table), and every other operation must be classified
 * below (swept as a write that reads, or not swept with a reason); a new route fails the
 * classification test until someone decides. The realtime socket is swept too: the same asks as
 * frames, and every frame checked like a response.
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
 * The tenants' own documents, under the same ids in both tenants: `d1` has one version (canary
 * D1), `d2` two (D2, then D3): an old version must stay as private as the current one.
 */
const DOCUMENTS = [
  { id: "d1", versions: ["D1"] },
  { id: "d2", versions: ["D2", "D3"] },
];
const DOCUMENT_CANARIES = DOCUMENTS.flatMap((d) => d.versions);

/** A version's Markdown: its canary in the title, a heading and the body. */
const documentVersion = (tenant: TenantKey, canaryId: string) => {
  const k = canary(tenant, canaryId);
  return { title: `Procedure ${k}`, format: "markdown", text: `# Valves ${k}\n\nClose the ${k} isolation valve before work.\n` };
};

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
  /** The identity's subject (threads and socket answers belong to it, per tenant). */
  subject: string;
  /** x-tenant-id sent, if any. */
  header: string | undefined;
  /** Tenant whose data the call may read (null: the call must be refused). */
  reads: TenantKey | null;
  /** The caller's role in that tenant (null when refused). */
  role: Role | null;
  /** Record ids of that tenant the caller may read. */
  allowed: string[];
  /** Status every route must answer with (when the call must be refused). */
  refusedWith?: { status: number; code: string };
  /** Whether this caller may read the audit log (admin, auditor). */
  audit: boolean;
}

/** A copilot thread made in beforeAll: only its owner (subject, in its tenant) may read or continue it. */
interface Thread {
  id: string;
  tenant: TenantKey;
  subject: string;
  owner: string;
}

/** A background task made in beforeAll: only its tenant's admins and auditors may read it. */
interface Task {
  id: string;
  tenant: TenantKey;
}

interface World {
  casts: Record<TenantKey, Cast>;
  dual: { subject: string; token: string };
  words: string[];
  threads: Thread[];
  tasks: Task[];
  /** `doc:<docId>#<chunk>` of every version's chunks, per tenant: only that tenant's readers may be given them. */
  documentRefs: Record<TenantKey, string[]>;
}

let world: World;

/** Server-chosen ids of the notes technicians add, by `<tenant>:<logical id>`. */
const serverIds = new Map<string, string>();

/** Ids that name nothing (well formed, so the route itself must answer "not found"). */
const NO_THREAD = "T-00000000-0000-0000-0000-000000000000";
const NO_TASK = "task-00000000-0000-0000-0000-000000000000";
/** A socket answer each tenant's PRIVATE_OWNER asks for in beforeAll; everyone else must get unknown_id when resuming it. */
const PRIVATE_ID = "sweep-private";
const PRIVATE_OWNER: CastRole = "dispatcher";
/** Questions without canaries: continuing a thread must not put text into it that its owner may not read. */
const GATE_QUESTION = "What is the gate code and what was done on the fan?";
const THREAD_QUESTION = "What else was done on the fan, the gate and the boiler?";

const worker = (exports as unknown as { default: Fetcher }).default;

/** Runs the tenant's alarm until the task is done (the background queue is alarm driven). */
async function finishTask(tenantId: string, taskId: string, adminToken: string): Promise<void> {
  for (let run = 0; run < 50; run++) {
    const res = await call(`/v1/admin/tasks/${taskId}`, { token: adminToken });
    if (res.status !== 200) throw new Error(`task ${taskId}: ${res.status} ${res.text}`);
    if (res.body.status === "done") return;
    if (res.body.status === "failed") throw new Error(`task ${taskId} failed: ${res.text}`);
    if (!(await runDurableObjectAlarm(tenantObject(tenantId)))) {
      await runInDurableObject(tenantObject(tenantId), async (instance) => (instance as unknown as { onAlarm(): Promise<void> }).onAlarm());
    }
  }
  throw new Error(`task ${taskId} did not finish`);
}

beforeAll(async () => {
  const casts = { A: await tenantWithCast("sweep-a"), B: await tenantWithCast("sweep-b") };
  const dualSubject = uniqueId("dual");
  await addMember(casts.A.tenantId, dualSubject, "technician");
  await addMember(casts.B.tenantId, dualSubject, "auditor");
  const dualToken = await userToken(dualSubject);
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

  // Each tenant's documents, every version uploaded by its admin; their chunks' refs for the citation checks.
  const documentRefs: Record<TenantKey, string[]> = { A: [], B: [] };
  for (const t of ["A", "B"] as const) {
    for (const doc of DOCUMENTS) {
      for (const [n, canaryId] of doc.versions.entries()) {
        const body = documentVersion(t, canaryId);
        const res =
          n === 0
            ? await call("/v1/admin/documents", { token: casts[t].admin, body: { id: doc.id, ...body } })
            : await call(`/v1/admin/documents/${doc.id}`, { token: casts[t].admin, method: "PUT", body });
        if (res.status !== (n === 0 ? 201 : 200)) throw new Error(`document ${doc.id} in ${t}: ${res.status} ${res.text}`);
        const read = await call(`/v1/documents/${doc.id}?version=${n + 1}`, { token: casts[t].admin });
        for (const chunk of read.body.chunks as { id: string }[]) documentRefs[t].push(`doc:${doc.id}#${chunk.id}`);
      }
    }
  }

  // Background tasks: a reindex in each tenant, run to the end before the sweep reads the index.
  const tasks: Task[] = [];
  for (const t of ["A", "B"] as const) {
    const res = await call("/v1/admin/reindex", { method: "POST", token: casts[t].admin });
    if (res.status !== 202) throw new Error(`reindex in ${t}: ${res.status} ${res.text}`);
    await finishTask(casts[t].tenantId, res.body.id, casts[t].admin);
    tasks.push({ id: res.body.id, tenant: t });
  }

  // Copilot threads of several users in both tenants. Each question names only canaries its asker
  // may read, so the whole thread is readable by its owner, and by nobody else.
  const threads: Thread[] = [];
  const threadAsks: { tenant: TenantKey; who: CastRole | "dual"; question: string; jobId?: string }[] = [
    { tenant: "A", who: "dispatcher", question: `What do the records say about ${canary("A", "J2")}?` },
    { tenant: "A", who: "technician", question: "What was replaced on the condenser fan?", jobId: "J1" },
    { tenant: "A", who: "otherTechnician", question: "Where is the rooftop access and the ladder?" },
    { tenant: "A", who: "auditor", question: `What do the records say about ${canary("A", "N10")}?` },
    { tenant: "B", who: "admin", question: `What do the records say about ${canary("B", "N4")}?` },
    { tenant: "B", who: "technician", question: "Was the boiler pressure low?", jobId: "J4" },
    { tenant: "A", who: "dual", question: "Were the hood filters soaked?", jobId: "J3" },
    { tenant: "B", who: "dual", question: `What do the records say about ${canary("B", "J3")}?` },
  ];
  for (const a of threadAsks) {
    const token = a.who === "dual" ? dualToken : casts[a.tenant][a.who];
    const subject = a.who === "dual" ? dualSubject : casts[a.tenant].subjects[a.who];
    const res = await call("/v1/copilot/ask", {
      token,
      tenant: casts[a.tenant].tenantId,
      body: { question: a.question, ...(a.jobId ? { jobId: a.jobId } : {}) },
    });
    if (res.status !== 200 || !res.body.grounded) throw new Error(`thread of ${a.tenant}.${a.who}: ${res.status} ${res.text}`);
    threads.push({ id: res.body.threadId, tenant: a.tenant, subject, owner: `${a.tenant}.${a.who}` });
  }

  // One finished socket answer per tenant that only its asker may resume.
  for (const t of ["A", "B"] as const) {
    const opened = await upgrade("/v1/realtime", { authorization: `Bearer ${casts[t][PRIVATE_OWNER]}` });
    if (!opened.socket) throw new Error(`socket of ${t}.${PRIVATE_OWNER}: ${opened.status} ${opened.text}`);
    const socket = opened.socket;
    socket.send({ type: "ask", id: PRIVATE_ID, question: `What do the records say about ${canary(t, "J2")}?` });
    await socket.until(() => socket.finals(PRIVATE_ID).length > 0, `${PRIVATE_ID} in ${t}`);
    if (socket.finals(PRIVATE_ID)[0]?.value.type !== "answer") throw new Error(`${PRIVATE_ID} in ${t}: ${socket.frames.at(-1)?.raw}`);
    socket.close();
  }

  world = {
    casts,
    dual: { subject: dualSubject, token: dualToken },
    words: fixtureWords(sweepData("A", casts.A, dualSubject)),
    threads,
    tasks,
    documentRefs,
  };
}, 120_000);

function callersOf(w: World): Caller[] {
  const out: Caller[] = [];
  for (const t of ["A", "B"] as const) {
    const other: TenantKey = t === "A" ? "B" : "A";
    for (const role of ROLES) {
      const records = role === "technician" || role === "otherTechnician" ? TECHNICIAN_READS[role] : role === "service" ? [] : RECORD_IDS;
      const allowed = role === "service" ? [] : [...records, ...DOCUMENT_CANARIES];
      const base = {
        token: w.casts[t][role],
        subject: w.casts[t].subjects[role],
        allowed,
        role: CAST_ROLES[role],
        audit: role === "admin" || role === "auditor",
      };
      out.push({ ...base, name: `${t}.${role} (no x-tenant-id)`, header: undefined, reads: t });
      out.push({ ...base, name: `${t}.${role} (x-tenant-id ${t})`, header: w.casts[t].tenantId, reads: t });
      out.push({
        ...base,
        name: `${t}.${role} (x-tenant-id ${other})`,
        header: w.casts[other].tenantId,
        reads: null,
        role: null,
        allowed: [],
        audit: false,
        refusedWith: { status: 403, code: "not_a_member" },
      });
    }
  }
  const dual = { token: w.dual.token, subject: w.dual.subject };
  out.push({
    ...dual,
    name: "dual (no x-tenant-id)",
    header: undefined,
    reads: null,
    role: null,
    allowed: [],
    audit: false,
    refusedWith: { status: 400, code: "bad_request" },
  });
  out.push({
    ...dual,
    name: "dual (x-tenant-id A, technician)",
    header: w.casts.A.tenantId,
    reads: "A",
    role: "technician",
    allowed: [...TECHNICIAN_READS.dual, ...DOCUMENT_CANARIES],
    audit: false,
  });
  out.push({
    ...dual,
    name: "dual (x-tenant-id B, auditor)",
    header: w.casts.B.tenantId,
    reads: "B",
    role: "auditor",
    allowed: [...RECORD_IDS, ...DOCUMENT_CANARIES],
    audit: true,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which operations the sweep covers, decided per operation of the OpenAPI document.
// ---------------------------------------------------------------------------------------------

/** Swept without being named: every GET of a member route (it has security and is not a platform route). */
const isMemberRead = (op: Operation): boolean => op.method === "GET" && op.security.length > 0 && !op.path.startsWith("/v1/platform/");

type Decision = { swept: "write-read"; how: string } | { swept: false; reason: string };

const PLATFORM = "platform route: operators get no tenant data (tenant ids, names and states only), and members are refused";
const WRITE = "a write: answers only with the record or counts it wrote, never with other records";

/** Every operation that is not a member GET, and the member GETs that are swept another way. */
const DECISIONS: Record<string, Decision> = {
  "POST /v1/copilot/ask": {
    swept: "write-read",
    how: "ASK probes (every canary, fixture words, job and thread asks) and the socket's asks",
  },
  "POST /v1/realtime/ticket": { swept: "write-read", how: "the socket part: each caller's tickets (refusals included) and their sockets" },
  "GET /v1/realtime": { swept: false, reason: "the socket part opens it (ticket and REST credentials) and checks every frame" },
  "GET /healthz": { swept: false, reason: "public liveness: a constant body, no tenant" },
  "GET /readyz": { swept: false, reason: "public readiness: configuration and directory checks, no tenant" },
  "POST /v1/platform/tenants": { swept: false, reason: PLATFORM },
  "GET /v1/platform/tenants": { swept: false, reason: PLATFORM },
  "POST /v1/platform/tenants/{tenantId}/members": { swept: false, reason: PLATFORM },
  "POST /v1/platform/tenants/{tenantId}/reencrypt-keys": { swept: false, reason: PLATFORM },
  "POST /v1/platform/tenants/{tenantId}/restore": { swept: false, reason: PLATFORM },
  "POST /v1/platform/tenants/{tenantId}/suspend": { swept: false, reason: PLATFORM },
  "POST /v1/platform/tenants/{tenantId}/resume": { swept: false, reason: PLATFORM },
  "DELETE /v1/platform/tenants/{tenantId}": { swept: false, reason: PLATFORM },
  "POST /v1/ingest": { swept: false, reason: `${WRITE} (the batch's counts)` },
  "PATCH /v1/jobs/{id}": { swept: false, reason: `${WRITE} (the job written; GET /v1/jobs/{id} is swept)` },
  "POST /v1/jobs/{id}/notes": { swept: false, reason: `${WRITE} (the note written)` },
  "POST /v1/admin/reindex": { swept: false, reason: `${WRITE} (the task; GET /v1/admin/tasks/{id} is swept with these tasks)` },
  "PUT /v1/admin/provider-keys/{provider}": { swept: false, reason: `${WRITE} (the key's mask)` },
  "DELETE /v1/admin/provider-keys/{provider}": { swept: false, reason: `${WRITE} (nothing)` },
  "POST /v1/admin/import": { swept: false, reason: `${WRITE} (the import's counts)` },
  "POST /v1/admin/members": { swept: false, reason: `${WRITE} (the member written; GET /v1/admin/members is swept)` },
  "PATCH /v1/admin/members/{userId}": { swept: false, reason: `${WRITE} (the member written)` },
  "DELETE /v1/admin/members/{userId}": { swept: false, reason: `${WRITE} (nothing)` },
  "PUT /v1/admin/settings": { swept: false, reason: `${WRITE} (the settings written; GET /v1/admin/settings is swept)` },
  "POST /v1/admin/documents": { swept: false, reason: `${WRITE} (the document's id, title and counts; GET /v1/documents… is swept)` },
  "PUT /v1/admin/documents/{docId}": { swept: false, reason: `${WRITE} (the new version's id, title and counts)` },
  "DELETE /v1/admin/documents/{docId}": { swept: false, reason: `${WRITE} (nothing)` },
  "GET /v1/platform/tenants/{tenantId}/members": { swept: false, reason: `${PLATFORM}; members are identities and roles, no records` },
  "POST /v1/platform/library/documents": { swept: false, reason: `${PLATFORM}; the library holds operators' documents, no tenant data` },
  "GET /v1/platform/library/documents": { swept: false, reason: `${PLATFORM}; the library holds operators' documents, no tenant data` },
  "GET /v1/platform/library/documents/{docId}": {
    swept: false,
    reason: `${PLATFORM}; the library holds operators' documents, no tenant data`,
  },
  "PUT /v1/platform/library/documents/{docId}": {
    swept: false,
    reason: `${PLATFORM}; the library holds operators' documents, no tenant data`,
  },
  "DELETE /v1/platform/library/documents/{docId}": {
    swept: false,
    reason: `${PLATFORM}; the library holds operators' documents, no tenant data`,
  },
  "GET /auth/options": { swept: false, reason: "public: which ways in this deployment has, three booleans, no tenant" },
  "GET /auth/dev/identities": {
    swept: false,
    reason: "local dev auth only (404 elsewhere): dev-issuer identities and tenant names for the picker, no records",
  },
  "POST /auth/dev/session": { swept: false, reason: "local dev auth only (404 elsewhere): answers 204 with a cookie, no body" },
  "POST /auth/logout": {
    swept: false,
    reason: "answers 204 clearing the cookie, or 200 with the issuer's end-session URL built from the caller's own session; no tenant",
  },
  "GET /auth/login": { swept: false, reason: "public: a 302 to the identity provider with a sealed flow cookie; no tenant" },
  "GET /auth/callback": {
    swept: false,
    reason: "public: a 302 with the caller's own session cookie, or back to sign-in with a short reason; no tenant, no records",
  },
};

/** Values of a path parameter, by name and path prefix (the longest matching prefix wins). */
const PATH_PARAMS: { name: string; prefix: string; values: (w: World) => string[] }[] = [
  { name: "id", prefix: "/v1/jobs/", values: () => [...JOB_IDS, "NOPE"] },
  // Every thread of both tenants: each caller may read only its own.
  { name: "id", prefix: "/v1/copilot/threads/", values: (w) => [...w.threads.map((t) => t.id), NO_THREAD] },
  // Both tenants' tasks: each tenant's auditors and admins read only their own.
  { name: "id", prefix: "/v1/admin/tasks/", values: (w) => [...w.tasks.map((t) => t.id), NO_TASK] },
  // The only provider: a name outside the enum is a 404 before any tenant is selected (the path names
  // no resource; test/admin/provider-keys.test.ts), so it would not answer refused callers with their refusal.
  { name: "provider", prefix: "/v1/admin/provider-keys/", values: () => ["openai"] },
  { name: "userId", prefix: "/v1/admin/members/", values: (w) => [...subjectsOf(w), "nobody"] },
  // The shared library holds no tenant's records: a document id of either tenant's vocabulary finds nothing.
  { name: "docId", prefix: "/v1/library/documents/", values: () => ["j1", "c1", "no-such-doc"] },
  // The tenant's own documents: both tenants have d1 and d2; each caller must get its own tenant's.
  { name: "docId", prefix: "/v1/documents/", values: () => [...DOCUMENTS.map((d) => d.id), "j1", "no-such-doc"] },
];

function subjectsOf(w: World): string[] {
  return [...Object.values(w.casts.A.subjects), ...Object.values(w.casts.B.subjects), w.dual.subject];
}

/**
 * Interesting query strings per swept GET that takes a query (`""`: none). Built to hit canaries:
 * whole canaries, prefixes of them, and every fixture word.
 */
const QUERIES: Record<string, (w: World) => string[]> = {
  "GET /v1/jobs": (w) => {
    const subjects = [w.casts.A.subjects, w.casts.B.subjects].flatMap((s) => [s.technician, s.otherTechnician]).concat(w.dual.subject);
    return [
      "limit=200",
      ...["clientId=C1", "clientId=C2", "clientId=C3", "propertyId=P1", "propertyId=P2"].map((q) => `limit=200&${q}`),
      ...["status=scheduled", "status=completed", "priority=urgent"].map((q) => `limit=200&${q}`),
      ...subjects.map((s) => `limit=200&assignee=${encodeURIComponent(s)}`),
      "limit=200&scheduledFrom=2000-01-01T00:00:00Z&scheduledTo=2100-01-01T00:00:00Z",
    ];
  },
  "GET /v1/search": (w) => {
    const queries = new Set<string>(["cnry*", "cnryq*", "cnryqa*", "cnryqb*", "cnry", "*", "cnry* condenser rooftop bakery"]);
    for (const t of ["A", "B"] as const) {
      for (const kind of ["c", "p", "j", "n", "e", "nt"]) queries.add(`cnry${TAGS[t]}${kind}*`);
      for (const id of [...RECORD_IDS, ...DOCUMENT_CANARIES]) queries.add(canary(t, id));
    }
    for (const word of w.words) queries.add(word);
    queries.add(w.words.join(" "));
    return [
      ...[...queries].map((q) => `limit=100&q=${encodeURIComponent(q)}`),
      ...[...JOB_IDS, "NOPE"].map((id) => `limit=100&jobId=${id}&q=${encodeURIComponent("cnry* gate fan")}`),
    ];
  },
  // The shared library, asked for every canary: it holds no tenant data, so it must find none.
  "GET /v1/library/search": () => ["cnry*", "cnryqa*", "cnryqb*", ...ALL_CANARIES.map((c) => c.canary)].map((q) => `limit=50&q=${q}`),
  "GET /v1/library/documents/{docId}": () => ["", "version=1"],
  "GET /v1/documents/{docId}": () => ["", "version=1", "version=2", "version=3"],
  "GET /v1/admin/audit": () => ["limit=500", "limit=500&action=copilot.ask", "limit=500&action=context.read"],
  "GET /v1/admin/members/{userId}": () => ["", `issuer=${encodeURIComponent(keys.issuer)}`],
  "GET /v1/admin/audit/verify": () => [""],
  "GET /v1/admin/usage": () => ["", "days=366"],
  "GET /v1/admin/metrics": () => ["", "window=day"],
  "GET /v1/admin/export": () => ["", "encoding=identity"],
};

/** Administration reads (admin and auditor), and what only admins may fetch (the whole export, key masks). */
const ADMIN_READS = ["/v1/admin/members", "/v1/admin/settings", "/v1/admin/index/coverage", "/v1/admin/metrics", "/v1/admin/usage"].map(
  (p) => `GET ${p}`,
);
const ADMIN_ONLY = ["/v1/admin/export", "/v1/admin/provider-keys"].map((p) => `GET ${p}`);

interface AskBody {
  question: string;
  jobId?: string;
  threadId?: string;
}

/** One call of the REST sweep: a GET of a swept operation, or a POST /v1/copilot/ask. */
interface Probe {
  /** The operation key (`GET /v1/jobs/{id}`, `POST /v1/copilot/ask`). */
  op: string;
  /** `GET <url>` or `ASK <json>`, for messages. */
  label: string;
  url: string;
  params: Record<string, string>;
  query: string;
  ask?: AskBody;
}

interface Plan {
  /** Why the document and the decisions disagree (empty: every operation is classified once). */
  problems: string[];
  /** Operation key → what the sweep does with it. */
  classes: Map<string, string>;
  probes: Probe[];
}

/** Classifies every operation of the OpenAPI document and builds the REST probes. */
function planSweep(operations: Operation[], w: World): Plan {
  const problems: string[] = [];
  const classes = new Map<string, string>();
  const keys = new Set(operations.map((op) => op.key));
  const probes: Probe[] = [];
  for (const op of operations) {
    const decision = DECISIONS[op.key];
    if (decision?.swept === false) {
      classes.set(op.key, `not swept: ${decision.reason}`);
      continue;
    }
    if (decision && isMemberRead(op)) {
      problems.push(`${op.key} is classified twice: it is a member GET (swept automatically) and DECISIONS says "${decision.how}"`);
      continue;
    }
    if (decision) {
      classes.set(op.key, `swept as a write that reads: ${decision.how}`);
      continue;
    }
    if (!isMemberRead(op)) {
      problems.push(
        `unclassified operation ${op.key}: the leak sweep does not know it; sweep it (as a write that reads) or add it to DECISIONS with the reason it cannot leak`,
      );
      continue;
    }
    classes.set(op.key, "swept read");
    // Path parameters: each from its generator.
    const values: Record<string, string[]> = {};
    for (const name of op.pathParams) {
      const gen = PATH_PARAMS.filter((g) => g.name === name && op.path.startsWith(g.prefix)).sort(
        (a, b) => b.prefix.length - a.prefix.length,
      )[0];
      if (gen) values[name] = gen.values(w);
      else problems.push(`unknown path parameter {${name}} in swept route ${op.key}: add a generator to PATH_PARAMS`);
    }
    if (Object.keys(values).length !== op.pathParams.length) continue;
    // Queries: from the table; a route that takes a query must say which ones are interesting.
    const table = QUERIES[op.key];
    if (!table && op.queryParams.length > 0) {
      problems.push(`swept route ${op.key} takes a query (${op.queryParams.join(", ")}): add its interesting queries to QUERIES`);
      continue;
    }
    const queries = table ? table(w) : [""];
    for (const q of queries) {
      const names = [...new URLSearchParams(q).keys()];
      const unknown = names.filter((n) => !op.queryParams.includes(n));
      const missing = op.requiredQueryParams.filter((n) => !names.includes(n));
      if (unknown.length > 0 || missing.length > 0)
        problems.push(`QUERIES of ${op.key}: "${q}" uses undeclared [${unknown.join(", ")}] or lacks required [${missing.join(", ")}]`);
    }
    for (const params of combinations(values)) {
      const path = fillPath(op.path, params);
      for (const query of queries) {
        const url = query === "" ? path : `${path}?${query}`;
        probes.push({ op: op.key, label: `GET ${url}`, url, params, query });
      }
    }
  }
  for (const key of Object.keys(DECISIONS))
    if (!keys.has(key)) problems.push(`stale classification: DECISIONS names ${key}, which the OpenAPI document does not have`);
  for (const key of Object.keys(QUERIES))
    if (classes.get(key) !== "swept read") problems.push(`stale QUERIES entry: ${key} is not a swept GET of the OpenAPI document`);

  // The copilot, asked about every canary and every fixture word, with and without a job, and in
  // every thread of both tenants (only the owner may continue one).
  const asks: AskBody[] = [];
  for (const t of ["A", "B"] as const)
    for (const id of [...RECORD_IDS, ...DOCUMENT_CANARIES]) asks.push({ question: `What do the records say about ${canary(t, id)}?` });
  for (let i = 0; i < w.words.length; i += 6) asks.push({ question: `What about ${w.words.slice(i, i + 6).join(" ")}?` });
  for (const jobId of [...JOB_IDS, "NOPE"]) asks.push({ question: GATE_QUESTION, jobId });
  for (const threadId of [...w.threads.map((t) => t.id), NO_THREAD]) asks.push({ question: THREAD_QUESTION, threadId });
  if (classes.has("POST /v1/copilot/ask"))
    for (const ask of asks)
      probes.push({ op: "POST /v1/copilot/ask", label: `ASK ${JSON.stringify(ask)}`, url: "/v1/copilot/ask", params: {}, query: "", ask });
  return { problems, classes, probes };
}

let operations: Operation[] | undefined;
const documentOperations = (): Operation[] => (operations ??= apiOperations());

const ALL_CANARIES: { canary: string; tenant: TenantKey; id: string }[] = (["A", "B"] as const).flatMap((tenant) =>
  [...RECORD_IDS, ...DOCUMENT_CANARIES].map((id) => ({ canary: canary(tenant, id), tenant, id })),
);

interface SweepResult {
  leaks: string[];
  seen: Set<string>;
  failures: string[];
  /** REST calls of the sweep (probes), and calls of the socket part (tickets, upgrades, frames sent). */
  calls: number;
  socketCalls: number;
  /** Copilot answers that were grounded (the copilot part of the sweep must see data too), over REST and over the socket. */
  groundedAsks: number;
  groundedSocketAsks: number;
}

/** What one caller may read, and the checks every response and frame goes through. */
function checksFor(caller: Caller, w: World) {
  const allowedCanaries = new Set(caller.reads === null ? [] : caller.allowed.map((id) => canary(caller.reads as TenantKey, id)));
  const realId = (id: string) => (caller.reads === null ? id : (serverIds.get(`${caller.reads}:${id}`) ?? id));
  const allowedRefs = new Set([
    ...caller.allowed.flatMap((id) => ["client", "property", "job", "note", "event"].map((k) => `${k}:${realId(id)}`)),
    // The caller's own tenant's document chunks (every role but service reads every document).
    ...(caller.reads !== null && caller.role !== "service" ? w.documentRefs[caller.reads] : []),
  ]);
  const allowedJobs = new Set(caller.allowed.filter((id) => JOB_IDS.includes(id)));
  const ownThreads = new Set(w.threads.filter((t) => owns(caller, t)).map((t) => t.id));
  const foreignThreads = new Set(w.threads.filter((t) => !owns(caller, t)).map((t) => t.id));
  const result: SweepResult = {
    leaks: [],
    seen: new Set(),
    failures: [],
    calls: 0,
    socketCalls: 0,
    groundedAsks: 0,
    groundedSocketAsks: 0,
  };
  /** Every canary in `text` must be one the caller may read. */
  const scan = (where: string, status: number | string, text: string) => {
    for (const c of ALL_CANARIES) {
      if (!text.includes(c.canary)) continue;
      if (allowedCanaries.has(c.canary)) result.seen.add(c.canary);
      else result.leaks.push(`LEAK ${caller.name} ${where} -> ${status}: leaked ${c.canary} (tenant ${c.tenant} record ${c.id})`);
    }
  };
  /** Every cited ref must be a record the caller may read. */
  const cite = (where: string, citations: { ref: string }[]) => {
    for (const citation of citations)
      if (!allowedRefs.has(citation.ref)) result.leaks.push(`LEAK ${caller.name} ${where}: cited ${citation.ref}`);
  };
  return { result, scan, cite, allowedRefs, allowedJobs, ownThreads, foreignThreads };
}

const owns = (caller: Caller, thread: Thread): boolean => caller.reads === thread.tenant && caller.subject === thread.subject;

async function sweep(caller: Caller, w: World, probes: Probe[], checks: ReturnType<typeof checksFor>): Promise<void> {
  const { result, scan, cite, allowedRefs, allowedJobs, foreignThreads } = checks;
  const check = async (probe: Probe) => {
    const res = probe.ask
      ? await call("/v1/copilot/ask", { token: caller.token, tenant: caller.header, body: probe.ask })
      : await call(probe.url, { token: caller.token, tenant: caller.header });
    result.calls++;
    // An export holds the tenant's copilot messages, and in this sweep everyone's questions name
    // every canary (of both tenants): those lines are what A's users typed, not B's records.
    const text =
      probe.op === "GET /v1/admin/export"
        ? res.text
            .split("\n")
            .filter((l) => !l.startsWith('{"kind":"message"'))
            .join("\n")
        : res.text;
    scan(probe.label, res.status, text);
    if (res.status >= 500) result.failures.push(`${caller.name} ${probe.label} -> ${res.status} ${res.text.slice(0, 200)}`);
    if (caller.refusedWith && caller.header === undefined && probe.op === "GET /v1/me") {
      // Without a chosen tenant, /v1/me lists the identity's own memberships (tenant and role
      // null) so the web app can offer the choice; the text scan above found no record in it.
      const me = res.body as { tenant?: unknown; role?: unknown; memberships?: { tenantId: string }[] } | null;
      const listed = (me?.memberships ?? []).map((m) => m.tenantId).sort();
      const own = [w.casts.A.tenantId, w.casts.B.tenantId].sort();
      if (res.status !== 200 || me?.tenant !== null || me.role !== null || listed.join() !== own.join())
        result.failures.push(
          `${caller.name} ${probe.label} -> ${res.status} ${res.text.slice(0, 200)}; expected 200 with its own memberships`,
        );
      return;
    }
    if (caller.refusedWith) {
      const body = res.body as { code?: string } | null;
      if (res.status !== caller.refusedWith.status || body?.code !== caller.refusedWith.code)
        result.failures.push(
          `${caller.name} ${probe.label} -> ${res.status} ${res.text.slice(0, 200)}; expected ${caller.refusedWith.status} ${caller.refusedWith.code}`,
        );
      return;
    }
    const expected = expectedStatus(caller, w, probe);
    if (expected !== undefined && res.status !== expected)
      result.failures.push(`${caller.name} ${probe.label} -> ${res.status} ${res.text.slice(0, 200)}; expected ${expected}`);
    if (res.status !== 200) return;
    // Structural checks beside the text: every search ref, listed job, citation and thread must be readable.
    if (probe.op === "GET /v1/search") {
      for (const hit of res.body as { ref: string }[])
        if (!allowedRefs.has(hit.ref)) result.leaks.push(`LEAK ${caller.name} ${probe.label}: search returned ${hit.ref}`);
    } else if (probe.ask) {
      const answer = res.body as { grounded: boolean; citations: { ref: string }[] };
      if (answer.grounded) result.groundedAsks++;
      cite(probe.label, answer.citations);
    } else if (probe.op === "GET /v1/jobs") {
      for (const job of (res.body as { jobs: { id: string }[] }).jobs)
        if (!allowedJobs.has(job.id)) result.leaks.push(`LEAK ${caller.name} ${probe.label}: listed job ${job.id}`);
    } else if (probe.op === "GET /v1/copilot/threads") {
      for (const thread of (res.body as { threads: { id: string }[] }).threads)
        if (foreignThreads.has(thread.id))
          result.leaks.push(`LEAK ${caller.name} ${probe.label}: listed thread ${thread.id} of someone else`);
    } else if (probe.op === "GET /v1/copilot/threads/{id}") {
      for (const message of (res.body as { messageList: { citations: { ref: string }[] }[] }).messageList)
        cite(probe.label, message.citations);
    }
  };

  const queue = [...probes];
  const workers = Array.from({ length: 12 }, async () => {
    for (let probe = queue.shift(); probe !== undefined; probe = queue.shift()) await check(probe);
  });
  await Promise.all(workers);
}

/** The status a caller must get from a probe, where its role and the world decide it. */
function expectedStatus(caller: Caller, w: World, probe: Probe): number | undefined {
  // Without a chosen tenant, /v1/me lists the identity's memberships (see the sweep's check).
  if (caller.refusedWith && caller.header === undefined && probe.op === "GET /v1/me") return 200;
  if (caller.refusedWith) return caller.refusedWith.status;
  const role = caller.role;
  if (probe.op === "GET /v1/me") return 200;
  if (probe.op === "GET /v1/admin/members/{userId}") {
    if (!caller.audit) return 403;
    const members = caller.reads === null ? [] : [...Object.values(w.casts[caller.reads].subjects), w.dual.subject];
    return members.includes(probe.params.userId ?? "") ? 200 : 404;
  }
  // The sweep's tenants store no provider key.
  if (probe.op === "GET /v1/admin/provider-keys/{provider}") return role === "admin" ? 404 : 403;
  if (probe.op.startsWith("GET /v1/admin/audit") || ADMIN_READS.includes(probe.op)) return caller.audit ? 200 : 403;
  if (probe.op === "GET /v1/admin/tasks/{id}") {
    if (!caller.audit) return 403;
    return w.tasks.some((t) => t.id === probe.params.id && t.tenant === caller.reads) ? 200 : 404;
  }
  if (ADMIN_ONLY.includes(probe.op)) return role === "admin" ? 200 : 403;
  if (role === "service") return 403;
  const visibleJob = (id: string | undefined) => id === undefined || caller.allowed.includes(id);
  const ownThread = (id: string | undefined) => id === undefined || w.threads.some((t) => t.id === id && owns(caller, t));
  switch (probe.op) {
    case "GET /v1/jobs":
    case "GET /v1/copilot/threads":
      return 200;
    case "GET /v1/jobs/{id}":
    case "GET /v1/jobs/{id}/context":
      return visibleJob(probe.params.id) ? 200 : 404;
    case "GET /v1/search":
      return visibleJob(new URLSearchParams(probe.query).get("jobId") ?? undefined) ? 200 : 404;
    case "GET /v1/copilot/threads/{id}":
      return ownThread(probe.params.id) ? 200 : 404;
    case "GET /v1/library/search":
      return 200;
    case "GET /v1/library/documents/{docId}":
      return 404;
    case "GET /v1/documents":
      return 200;
    case "GET /v1/documents/{docId}": {
      const doc = DOCUMENTS.find((d) => d.id === probe.params.docId);
      const version = Number(new URLSearchParams(probe.query).get("version") ?? 1);
      return doc && version <= doc.versions.length ? 200 : 404;
    }
    case "POST /v1/copilot/ask":
      return visibleJob(probe.ask?.jobId) && ownThread(probe.ask?.threadId) ? 200 : 404;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The realtime socket: the same asks as frames, every frame checked like a response.
// ---------------------------------------------------------------------------------------------

interface Frame {
  raw: string;
  value: Record<string, any>;
}

/** A test WebSocket client that keeps every frame (raw, for the canary scan) and notes frames outside the schema. */
class Socket {
  readonly frames: Frame[] = [];
  readonly problems: string[] = [];
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const raw = String(event.data);
      let value: Record<string, any>;
      try {
        value = JSON.parse(raw) as Record<string, any>;
      } catch {
        this.problems.push(`frame is not JSON: ${raw.slice(0, 200)}`);
        return;
      }
      if (!ServerMessage.safeParse(value).success) this.problems.push(`frame outside the schema: ${raw.slice(0, 200)}`);
      this.frames.push({ raw, value });
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The final frames (answer or error) of message `id`. */
  finals(id: string): Frame[] {
    return this.frames.filter((f) => f.value.id === id && (f.value.type === "answer" || f.value.type === "error"));
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; frames: ${this.frames
            .map((f) => f.raw)
            .join("\n")
            .slice(-2000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

/** GET /v1/realtime as a WebSocket upgrade through the worker. */
async function upgrade(path: string, headers: Record<string, string>): Promise<{ status: number; socket: Socket | null; text: string }> {
  const res = await worker.fetch(new Request(`${BASE}${path}`, { headers: { upgrade: "websocket", ...headers } }));
  if (res.status === 101 && res.webSocket) return { status: 101, socket: new Socket(res.webSocket), text: "" };
  return { status: res.status, socket: null, text: await res.text() };
}

/** Records asked about over the socket (both tenants): some each technician may read, most not. */
const SOCKET_RECORDS = ["C1", "C2", "P2", "P3", "J1", "J2", "J3", "N2", "N6", "E2", "NT1", "NT2"];
/** Asks per socket: each is resumed once, plus one foreign resume, under the 30 frames per 10 s a connection may send. */
const ASKS_PER_SOCKET = 13;

interface SocketAsk {
  frame: { type: "ask"; id: string } & AskBody;
  /** `answer`, or the code of the error frame that must end it. */
  expect: string;
}

/**
 * Ids are the same for every caller: if answers were keyed by id alone, a resume would hand one
 * caller another's answer, and the canary scan would see it.
 */
function socketAsks(caller: Caller, w: World, allowedJobs: Set<string>): SocketAsk[] {
  const out: SocketAsk[] = [];
  for (const t of ["A", "B"] as const)
    for (const id of SOCKET_RECORDS)
      out.push({
        frame: { type: "ask", id: `k-${t}-${id}`, question: `What do the records say about ${canary(t, id)}?` },
        expect: "answer",
      });
  for (const jobId of [...JOB_IDS, "NOPE"])
    out.push({
      frame: { type: "ask", id: `g-${jobId}`, question: GATE_QUESTION, jobId },
      expect: allowedJobs.has(jobId) ? "answer" : "not_found",
    });
  [...w.threads.map((t) => t.id), NO_THREAD].forEach((threadId, i) => {
    const own = w.threads.some((t) => t.id === threadId && owns(caller, t));
    out.push({ frame: { type: "ask", id: `t-${i}`, question: THREAD_QUESTION, threadId }, expect: own ? "answer" : "not_found" });
  });
  return out;
}

const outcomeOf = (frame: Frame | undefined): string =>
  frame === undefined ? "nothing" : frame.value.type === "answer" ? "answer" : String(frame.value.code);

async function sweepSocket(caller: Caller, w: World, checks: ReturnType<typeof checksFor>): Promise<void> {
  const { result, scan, cite, allowedJobs } = checks;
  const credentials: Record<string, string> = {
    authorization: `Bearer ${caller.token}`,
    ...(caller.header ? { "x-tenant-id": caller.header } : {}),
  };
  const ticket = async (): Promise<string | null> => {
    const res = await call("/v1/realtime/ticket", { method: "POST", token: caller.token, tenant: caller.header });
    result.socketCalls++;
    scan("POST /v1/realtime/ticket", res.status, res.text);
    return res.status === 200 ? (res.body as { ticket: string }).ticket : null;
  };

  // Who may not read gets no ticket, and no socket with its REST credentials either.
  const refusal = caller.refusedWith ?? (caller.role === "service" ? { status: 403, code: "forbidden" } : null);
  if (refusal) {
    const res = await call("/v1/realtime/ticket", { method: "POST", token: caller.token, tenant: caller.header });
    result.socketCalls++;
    scan("POST /v1/realtime/ticket", res.status, res.text);
    if (res.status !== refusal.status || (res.body as { code?: string } | null)?.code !== refusal.code)
      result.failures.push(
        `${caller.name} POST /v1/realtime/ticket -> ${res.status} ${res.text.slice(0, 200)}; expected ${refusal.status} ${refusal.code}`,
      );
    const opened = await upgrade("/v1/realtime", credentials);
    result.socketCalls++;
    scan("GET /v1/realtime (REST credentials)", opened.status, opened.text);
    opened.socket?.close();
    let code: string | undefined;
    try {
      code = (JSON.parse(opened.text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    if (opened.status !== refusal.status || code !== refusal.code)
      result.failures.push(
        `${caller.name} GET /v1/realtime (REST credentials) -> ${opened.status} ${opened.text.slice(0, 200)}; expected ${refusal.status} ${refusal.code}`,
      );
    return;
  }

  const asks = socketAsks(caller, w, allowedJobs);
  const chunks: SocketAsk[][] = [];
  for (let i = 0; i < asks.length; i += ASKS_PER_SOCKET) chunks.push(asks.slice(i, i + ASKS_PER_SOCKET));
  const privateOwner = caller.subject === w.casts[caller.reads as TenantKey].subjects[PRIVATE_OWNER];

  const run = async (chunk: SocketAsk[], index: number) => {
    // The first socket opens with the caller's REST credentials, the others with tickets.
    let path = "/v1/realtime";
    let headers: Record<string, string> = credentials;
    if (index > 0) {
      const t = await ticket();
      if (t === null) return void result.failures.push(`${caller.name} POST /v1/realtime/ticket: no ticket`);
      path = `/v1/realtime?ticket=${encodeURIComponent(t)}`;
      headers = {};
    }
    const opened = await upgrade(path, headers);
    result.socketCalls++;
    scan(`GET ${path.replace(/ticket=.*/, "ticket=…")}`, opened.status, opened.text);
    if (!opened.socket)
      return void result.failures.push(`${caller.name} GET /v1/realtime -> ${opened.status} ${opened.text.slice(0, 200)}; expected 101`);
    const socket = opened.socket;
    try {
      for (const ask of chunk) socket.send(ask.frame);
      result.socketCalls += chunk.length;
      await socket.until(() => chunk.every((a) => socket.finals(a.frame.id).length > 0), `the outcomes of ${chunk.length} asks`);
      const first = new Map(chunk.map((a) => [a.frame.id, socket.finals(a.frame.id)[0]]));
      for (const ask of chunk) {
        const got = outcomeOf(first.get(ask.frame.id));
        if (got !== ask.expect)
          result.failures.push(`${caller.name} socket ask ${JSON.stringify(ask.frame)} -> ${got}; expected ${ask.expect}`);
      }
      // Resume every answer from its start (the same outcome again), and (on one socket) another user's answer.
      const resumes = chunk.map((a) => a.frame.id);
      if (index === 0) resumes.push(PRIVATE_ID);
      const before = new Map(resumes.map((id) => [id, socket.finals(id).length]));
      for (const id of resumes) socket.send({ type: "resume", id, after: 0 });
      result.socketCalls += resumes.length;
      await socket.until(() => resumes.every((id) => socket.finals(id).length > (before.get(id) ?? 0)), `${resumes.length} resumes`);
      for (const id of resumes) {
        const got = outcomeOf(socket.finals(id)[before.get(id) ?? 0]);
        const expect = id === PRIVATE_ID ? (privateOwner ? "answer" : "unknown_id") : outcomeOf(first.get(id));
        if (got !== expect) result.failures.push(`${caller.name} socket resume ${id} -> ${got}; expected ${expect}`);
      }
    } catch (error) {
      result.failures.push(`${caller.name} socket ${index}: ${(error as Error).message}`);
    } finally {
      socket.close();
    }
    for (const problem of socket.problems) result.failures.push(`${caller.name} socket ${index}: ${problem}`);
    if (socket.closed && socket.closed.code !== 1000 && socket.closed.code !== 1005)
      result.failures.push(`${caller.name} socket ${index} closed by the server: ${socket.closed.code} ${socket.closed.reason}`);
    // Every frame is checked like a response: canaries, and citations of answers.
    for (const frame of socket.frames) {
      const where = `socket frame ${String(frame.value.type)} ${String(frame.value.id ?? "")}`;
      scan(where, "ws", frame.raw);
      if (frame.value.type === "answer") {
        cite(where, frame.value.citations as { ref: string }[]);
        if (frame.value.grounded === true) result.groundedSocketAsks++;
      }
    }
  };
  await Promise.all(chunks.map((chunk, i) => run(chunk, i)));
}

describe("canary sweep: no route leaks a record to a caller who may not read it", () => {
  it("builds a world where every record carries its canary", () => {
    const words = world.words;
    expect(words).toEqual(expect.arrayContaining(["condenser", "bakery", "rooftop", "ladder", "clinic"]));
    expect(words.some((w) => w.startsWith("cnry"))).toBe(false);
    expect(new Set(ALL_CANARIES.map((c) => c.canary)).size).toBe(ALL_CANARIES.length);
    for (const a of ALL_CANARIES) for (const b of ALL_CANARIES) if (a !== b) expect(b.canary.includes(a.canary)).toBe(false);
    expect(world.threads.length).toBeGreaterThan(0);
    expect(new Set(world.threads.map((t) => t.tenant))).toEqual(new Set(["A", "B"]));
    expect(world.tasks.map((t) => t.tenant)).toEqual(["A", "B"]);
  });

  it("classifies every operation of the OpenAPI document (a new route forces a decision)", () => {
    const ops = documentOperations();
    const plan = planSweep(ops, world);
    expect(plan.problems, `the leak sweep's classification disagrees with the OpenAPI document:\n${plan.problems.join("\n")}`).toEqual([]);
    expect([...plan.classes.keys()].sort()).toEqual(ops.map((op) => op.key).sort());
    // The routes this sweep exists for are swept, and so is every member GET.
    for (const key of [
      "GET /v1/me",
      "GET /v1/jobs/{id}/context",
      "GET /v1/search",
      "GET /v1/copilot/threads",
      "GET /v1/copilot/threads/{id}",
      "GET /v1/admin/tasks/{id}",
      "GET /v1/admin/export",
    ])
      expect(plan.classes.get(key), key).toBe("swept read");
    for (const op of ops)
      if (isMemberRead(op) && op.key !== "GET /v1/realtime") expect(plan.classes.get(op.key), op.key).toBe("swept read");
    for (const key of ["POST /v1/copilot/ask", "POST /v1/realtime/ticket"]) expect(plan.classes.get(key), key).toMatch(/^swept as a write/);
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
    const { probes } = planSweep(documentOperations(), world);
    const checks = checksFor(caller, world);
    const result = checks.result;
    await Promise.all([sweep(caller, world, probes, checks), sweepSocket(caller, world, checks)]);

    expect(result.calls).toBe(probes.length);
    expect(result.socketCalls).toBeGreaterThan(0);
    expect(result.leaks, `${caller.name} leaked:\n${result.leaks.slice(0, 50).join("\n")}`).toEqual([]);
    expect(result.failures, `${caller.name} unexpected answers:\n${result.failures.slice(0, 50).join("\n")}`).toEqual([]);
    // The sweep sees what the caller may read: every allowed canary appears in some answer.
    const allowed = caller.reads === null ? [] : caller.allowed.map((id) => canary(caller.reads as TenantKey, id));
    expect([...result.seen].sort(), `${caller.name} could not see records it may read`).toEqual([...allowed].sort());
    // Readers who may ask the copilot get grounded answers from it in the sweep (not only refusals), on both channels.
    if (caller.reads !== null && caller.role !== "service") {
      expect(result.groundedAsks, `${caller.name} copilot`).toBeGreaterThan(0);
      expect(result.groundedSocketAsks, `${caller.name} copilot over the socket`).toBeGreaterThan(0);
    }

    // Spot checks that the sweep talks to the real thing: statuses the role decides, after the sweep.
    const spot = probes.filter(
      (p) =>
        (p.query === "" &&
          [
            "GET /v1/me",
            "GET /v1/admin/audit/verify",
            ...ADMIN_READS,
            ...ADMIN_ONLY,
            "GET /v1/jobs/{id}",
            "GET /v1/jobs/{id}/context",
            "GET /v1/copilot/threads/{id}",
            "GET /v1/admin/tasks/{id}",
          ].includes(p.op)) ||
        p.label === "GET /v1/admin/audit?limit=500",
    );
    expect(spot.length).toBeGreaterThan(20);
    for (const probe of spot) {
      const status = expectedStatus(caller, world, probe);
      if (status === undefined) continue;
      const res = await call(probe.url, { token: caller.token, tenant: caller.header });
      expect(res.status, `${caller.name} ${probe.label}: ${res.text.slice(0, 200)}`).toBe(status);
    }
  });
});

import { describe, expect, it } from "vitest";
import type { IngestBody } from "../../schemas/ingest";
import { call, type ApiResponse } from "../helpers/api";
import { expectOk, expectProblem, listAllJobIds, refsOf, search } from "../helpers/expect-api";
import { basicData, ingestAs, tenantWithCast, type Cast } from "../helpers/world";

type Counts = { inserted: number; updated: number; unchanged: number };
type Kind = "clients" | "properties" | "jobs" | "notes" | "events";
type IngestResponse = Record<Kind, Counts> & { replayed: boolean };

const c = (inserted: number, updated: number, unchanged: number): Counts => ({ inserted, updated, unchanged });

function ingest(token: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<IngestResponse>> {
  return call<IngestResponse>("/v1/ingest", { token, body, headers });
}

function countsOf(body: IngestResponse): Record<Kind, Counts> {
  return { clients: body.clients, properties: body.properties, jobs: body.jobs, notes: body.notes, events: body.events };
}

async function noteBodies(token: string, jobId: string): Promise<Record<string, string>> {
  const res = await call<{ notes: { id: string; body: string }[] }>(`/v1/jobs/${jobId}/context`, { token });
  const context = expectOk(res);
  return Object.fromEntries(context.notes.map((n) => [n.id, n.body]));
}

/** A small valid world: one client, property, job, and a note and event on the job. */
function seed(): IngestBody {
  return {
    clients: [{ id: "C1", name: "Seed Client" }],
    properties: [{ id: "P1", clientId: "C1", address: "1 Seed Street" }],
    jobs: [{ id: "J1", clientId: "C1", propertyId: "P1", title: "Seed job", status: "scheduled" }],
    notes: [{ id: "N1", jobId: "J1", body: "Seed note" }],
    events: [{ id: "E1", jobId: "J1", type: "created", at: "2026-10-01T08:00:00Z" }],
  };
}

describe("ingest counts", () => {
  it("counts inserts, then an identical batch as unchanged, then changed records as updated", async () => {
    const cast = await tenantWithCast("ing-counts");
    const body = basicData(cast, "cnt");

    const first = expectOk(await ingest(cast.service, body));
    expect(countsOf(first)).toEqual({
      clients: c(2, 0, 0),
      properties: c(2, 0, 0),
      jobs: c(2, 0, 0),
      notes: c(4, 0, 0),
      events: c(2, 0, 0),
    });
    expect(first.replayed).toBe(false);

    const again = expectOk(await ingest(cast.service, body));
    expect(countsOf(again)).toEqual({
      clients: c(0, 0, 2),
      properties: c(0, 0, 2),
      jobs: c(0, 0, 2),
      notes: c(0, 0, 4),
      events: c(0, 0, 2),
    });

    const changed: IngestBody = structuredClone(body);
    changed.clients![0]!.name = "Harbor Bakery renamed";
    changed.properties![1]!.label = "HQ";
    changed.jobs![0]!.status = "completed";
    changed.jobs![1]!.assignees = [cast.subjects.technician];
    changed.notes![2]!.body = "Bakery opens at 6am now";
    changed.events![0]!.data = { to: "completed" };
    const third = expectOk(await ingest(cast.service, changed));
    expect(countsOf(third)).toEqual({
      clients: c(0, 1, 1),
      properties: c(0, 1, 1),
      jobs: c(0, 2, 0),
      notes: c(0, 1, 3),
      events: c(0, 1, 1),
    });

    expect(expectOk(await call<{ status: string }>("/v1/jobs/J1", { token: cast.dispatcher })).status).toBe("completed");
    expect((await listAllJobIds(cast.technician)).sort()).toEqual(["J1", "J2"]);
    expect((await noteBodies(cast.dispatcher, "J1"))["N3"]).toBe("Bakery opens at 6am now");
    expect(refsOf(await search(cast.dispatcher, "renamed"))).toEqual(["client:C1"]);
  });

  it("counts inserts and updates in one mixed batch", async () => {
    const cast = await tenantWithCast("ing-mixed");
    await ingestAs(cast.service, cast.tenantId, seed());
    const res = await ingest(cast.service, {
      clients: [
        { id: "C1", name: "Seed Client" },
        { id: "C2", name: "Second Client" },
      ],
      jobs: [{ id: "J1", clientId: "C1", propertyId: "P1", title: "Seed job, retitled", status: "scheduled" }],
    });
    expect(countsOf(expectOk(res))).toEqual({
      clients: c(1, 0, 1),
      properties: c(0, 0, 0),
      jobs: c(0, 1, 0),
      notes: c(0, 0, 0),
      events: c(0, 0, 0),
    });
  });
});

describe("ingest is one transaction with checked references", () => {
  const cases: { name: string; bad: (b: IngestBody) => void; path: string }[] = [
    {
      name: "a note pointing at a missing job",
      bad: (b) => b.notes!.push({ id: "NX", jobId: "NOPE", body: "orphan" }),
      path: "notes[3].jobId",
    },
    {
      name: "a property of a missing client",
      bad: (b) => b.properties!.push({ id: "PX", clientId: "NOPE", address: "Nowhere" }),
      path: "properties[1].clientId",
    },
    {
      name: "a job whose property belongs to another client",
      bad: (b) => b.jobs!.push({ id: "JX", clientId: "C2", propertyId: "P1", title: "Crossed", status: "scheduled" }),
      path: "jobs[1].propertyId",
    },
    {
      name: "a job with a missing property",
      bad: (b) => b.jobs!.push({ id: "JX", clientId: "C2", propertyId: "NOPE", title: "Crossed", status: "scheduled" }),
      path: "jobs[1].propertyId",
    },
    {
      name: "an event of a missing job",
      bad: (b) => b.events!.push({ id: "EX", jobId: "NOPE", type: "arrived", at: "2026-10-01T08:00:00Z" }),
      path: "events[1].jobId",
    },
    {
      name: "a note on a missing client",
      bad: (b) => b.notes!.push({ id: "NX", clientId: "NOPE", body: "orphan" }),
      path: "notes[3].clientId",
    },
    {
      name: "a note on a missing property",
      bad: (b) => b.notes!.push({ id: "NX", propertyId: "NOPE", body: "orphan" }),
      path: "notes[3].propertyId",
    },
  ];

  it.each(cases)("rejects a batch with $name (422 at $path) and writes nothing of it", async ({ bad, path }) => {
    const cast = await tenantWithCast("ing-ref");
    await ingestAs(cast.service, cast.tenantId, seed());
    const batch: IngestBody = {
      clients: [{ id: "C2", name: "Batch Client zebra" }],
      properties: [{ id: "P2", clientId: "C2", address: "2 Batch Road zebra" }],
      jobs: [{ id: "J2", clientId: "C2", propertyId: "P2", title: "Batch job zebra", status: "scheduled" }],
      notes: [
        { id: "N2", jobId: "J2", body: "batch note zebra" },
        { id: "N3", clientId: "C2", body: "batch client note zebra" },
        { id: "N1", jobId: "J1", body: "Seed note overwritten zebra" },
      ],
      events: [{ id: "E2", jobId: "J2", type: "arrived", at: "2026-10-02T08:00:00Z" }],
    };
    bad(batch);

    const problem = expectProblem(await ingest(cast.service, batch), 422, "unknown_reference");
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    expect(problem.errors?.[0]?.message).toBeTruthy();

    expect(await listAllJobIds(cast.dispatcher)).toEqual(["J1"]);
    expect(await search(cast.dispatcher, "zebra")).toEqual([]);
    expect(await noteBodies(cast.dispatcher, "J1")).toEqual({ N1: "Seed note" });

    // The same batch without the bad record goes through.
    const good = expectOk(await ingest(cast.service, { ...batch, ...strip(batch, path) }));
    expect(good.jobs.inserted + good.jobs.updated).toBeGreaterThanOrEqual(1);
    expect((await listAllJobIds(cast.dispatcher)).sort()).toEqual(["J1", "J2"]);
  });

  it("names every bad reference of a batch", async () => {
    const cast = await tenantWithCast("ing-refs");
    const problem = expectProblem(
      await ingest(cast.service, {
        clients: [{ id: "C1", name: "Client" }],
        properties: [{ id: "P1", clientId: "C9", address: "x" }],
        jobs: [{ id: "J1", clientId: "C1", propertyId: "P1", title: "t", status: "scheduled" }],
        notes: [
          { id: "N1", jobId: "J1", body: "x" },
          { id: "N2", jobId: "J9", body: "x" },
        ],
      }),
      422,
      "unknown_reference",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining(["properties[0].clientId", "jobs[0].propertyId", "notes[1].jobId"]),
    );
    expect(await search(cast.dispatcher, "client")).toEqual([]);
  });

  it("resolves references to records earlier in the same batch", async () => {
    const cast = await tenantWithCast("ing-same");
    const res = await ingest(cast.dispatcher, {
      clients: [{ id: "C1", name: "Fresh Client" }],
      properties: [{ id: "P1", clientId: "C1", address: "1 Fresh Lane" }],
      jobs: [{ id: "J1", clientId: "C1", propertyId: "P1", title: "Fresh job", status: "scheduled" }],
      notes: [
        { id: "N1", jobId: "J1", body: "on the job" },
        { id: "N2", clientId: "C1", body: "on the client" },
        { id: "N3", propertyId: "P1", body: "on the property" },
      ],
      events: [{ id: "E1", jobId: "J1", type: "created", at: "2026-10-01T08:00:00Z" }],
    });
    expect(countsOf(expectOk(res))).toEqual({
      clients: c(1, 0, 0),
      properties: c(1, 0, 0),
      jobs: c(1, 0, 0),
      notes: c(3, 0, 0),
      events: c(1, 0, 0),
    });
    const context = expectOk(
      await call<{ notes: { id: string }[]; events: { id: string }[] }>("/v1/jobs/J1/context", { token: cast.dispatcher }),
    );
    expect(context.notes.map((n) => n.id).sort()).toEqual(["N1", "N2", "N3"]);
    expect(context.events.map((e) => e.id)).toEqual(["E1"]);
  });
});

/** The batch without the one record that the path names (for the "good batch goes through" check). */
function strip(batch: IngestBody, path: string): IngestBody {
  const match = /^(\w+)\[(\d+)\]/.exec(path);
  if (!match) throw new Error(`bad path ${path}`);
  const kind = match[1] as Kind;
  const index = Number(match[2]);
  const list = (batch[kind] ?? []) as unknown[];
  return { [kind]: list.filter((_, i) => i !== index) } as IngestBody;
}

describe("Idempotency-Key", () => {
  async function clientName(cast: Cast, id: string): Promise<string | undefined> {
    const hits = await search(cast.dispatcher, "idem", { limit: 100 });
    return hits.find((h) => h.ref === `client:${id}`)?.snippet;
  }

  it("replays the first response for the same key and body without applying the batch again", async () => {
    const cast = await tenantWithCast("ing-idem");
    const body = { clients: [{ id: "C1", name: "idem alpha" }] };
    const headers = { "idempotency-key": "batch-2026-10-01.001" };

    const first = await ingest(cast.service, body, headers);
    expect(expectOk(first).clients).toEqual(c(1, 0, 0));
    expect(first.body.replayed).toBe(false);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    // Someone else changes the record in between.
    expect(expectOk(await ingest(cast.dispatcher, { clients: [{ id: "C1", name: "idem beta" }] })).clients).toEqual(c(0, 1, 0));

    const replay = await ingest(cast.service, body, headers);
    expect(countsOf(expectOk(replay))).toEqual(countsOf(first.body));
    expect(replay.body.replayed).toBe(true);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    // Not re-applied: the later change stands (a re-application would have counted `updated` and renamed it back).
    expect(await clientName(cast, "C1")).toBe("idem beta");

    // Without the key, the same body is applied again.
    expect(expectOk(await ingest(cast.service, body)).clients).toEqual(c(0, 1, 0));
    expect(await clientName(cast, "C1")).toBe("idem alpha");
  });

  it("answers the same key with another body 409 idempotency_conflict and writes nothing", async () => {
    const cast = await tenantWithCast("ing-idem409");
    const headers = { "idempotency-key": "k-1" };
    expectOk(await ingest(cast.service, { clients: [{ id: "C1", name: "idem first" }] }, headers));
    expectProblem(await ingest(cast.service, { clients: [{ id: "C1", name: "idem second" }] }, headers), 409, "idempotency_conflict");
    expectProblem(await ingest(cast.service, { clients: [{ id: "C2", name: "idem other" }] }, headers), 409, "idempotency_conflict");
    expect(refsOf(await search(cast.dispatcher, "idem", { limit: 100 }))).toEqual(["client:C1"]);
    expect(await clientName(cast, "C1")).toBe("idem first");
  });

  it("keeps keys of different users apart", async () => {
    const cast = await tenantWithCast("ing-idemusr");
    const headers = { "idempotency-key": "shared-key" };
    const a = await ingest(cast.service, { clients: [{ id: "C1", name: "idem from service" }] }, headers);
    expect(expectOk(a).clients).toEqual(c(1, 0, 0));
    const b = await ingest(cast.dispatcher, { clients: [{ id: "C2", name: "idem from dispatcher" }] }, headers);
    expect(expectOk(b).clients).toEqual(c(1, 0, 0));
    expect(b.body.replayed).toBe(false);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    const c2 = await ingest(cast.admin, { clients: [{ id: "C1", name: "idem from service" }] }, headers);
    expect(expectOk(c2).clients).toEqual(c(0, 0, 1));
    expect(c2.body.replayed).toBe(false);
    expect(refsOf(await search(cast.dispatcher, "idem", { limit: 100 })).sort()).toEqual(["client:C1", "client:C2"]);
  });

  it.each(["has space", "bad/slash", "x".repeat(129), "ünïcode", ""])(
    "refuses the malformed key %j with 422 and writes nothing",
    async (key) => {
      const cast = await tenantWithCast("ing-idembad");
      const problem = expectProblem(
        await ingest(cast.service, { clients: [{ id: "C1", name: "idem malformed" }] }, { "idempotency-key": key }),
        422,
        "validation_failed",
      );
      expect(problem.errors?.some((e) => /idempotency-key/i.test(e.path))).toBe(true);
      expect(await search(cast.dispatcher, "idem")).toEqual([]);
    },
  );
});

describe("note bodies are reduced to plain text", () => {
  const cases: [string, string][] = [
    ['<p>Hello</p><script>alert("x")</script><style>p { color: red }</style><div>world</div>', "Hello world"],
    ["<b>Bold</b> and <i>italic</i> and <a href='javascript:alert(1)'>link</a>", "Bold and italic and link"],
    ["&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"],
    ["&amp;lt;b&amp;gt; decoded once", "&lt;b&gt; decoded once"],
    ["Tom &amp; Jerry &quot;quoted&quot; 21&deg;C", 'Tom & Jerry "quoted" 21°C'],
    ["<!-- hidden comment -->visible<SCRIPT type='text/javascript'>evil()</SCRIPT>", "visible"],
    ["a < b && c > d", "a < b && c > d"],
    ["if x<5 and y>3", "if x<5 and y>3"],
    ["<< not a tag >>", "<< not a tag >>"],
    ["5 > 3 and 2 < 4", "5 > 3 and 2 < 4"],
    ["Fan speed <= 1200 rpm & >= 800 rpm", "Fan speed <= 1200 rpm & >= 800 rpm"],
    ["plain text stays", "plain text stays"],
  ];

  it.each(cases)("stores %j as the text %j", async (input, expected) => {
    const cast = await tenantWithCast("ing-html");
    await ingestAs(cast.service, cast.tenantId, { ...seed(), notes: [{ id: "N1", jobId: "J1", body: input }] });
    const stored = (await noteBodies(cast.dispatcher, "J1"))["N1"];
    expect(stored?.replace(/\s+/g, " ").trim()).toBe(expected);
    for (const forbidden of ["<script", "alert(", "color: red", "evil()", "hidden comment", "<p>", "<div>"]) {
      expect(stored).not.toContain(forbidden);
    }
  });

  it("refuses a note that is empty once reduced to text, writing nothing of the batch", async () => {
    const cast = await tenantWithCast("ing-empty");
    const problem = expectProblem(
      await ingest(cast.service, { ...seed(), notes: [{ id: "N1", jobId: "J1", body: "<script>only()</script>" }] }),
      422,
      "validation_failed",
    ).errors;
    expect(problem?.map((e) => e.path)).toEqual(["notes[0].body"]);
    expect(await listAllJobIds(cast.dispatcher)).toEqual([]);
  });
});

describe("ingest limits and shapes", () => {
  it.each([
    ["a client name", { clients: [{ id: "C1", name: "<script>x()</script>" }] }, "clients[0].name"],
    [
      "a job title",
      { clients: [{ id: "C1", name: "Client" }], jobs: [{ id: "J1", clientId: "C1", title: "<b></b>", status: "scheduled" }] },
      "jobs[0].title",
    ],
  ])("refuses %s that is empty once reduced to text, naming the path", async (_what, body, path) => {
    const cast = await tenantWithCast("ing-emptyname");
    const problem = expectProblem(await ingest(cast.service, body), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await listAllJobIds(cast.dispatcher)).toEqual([]);
    expect(await search(cast.dispatcher, "client")).toEqual([]);
  });

  it("refuses more than 5000 records of one kind", async () => {
    const cast = await tenantWithCast("ing-limit");
    const clients = Array.from({ length: 5001 }, (_, i) => ({ id: `C${i}`, name: `Client ${i}` }));
    const problem = expectProblem(await ingest(cast.service, { clients }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain("clients");
    expect(await search(cast.dispatcher, "client")).toEqual([]);
  });

  it("accepts exactly 5000 records of one kind", async () => {
    const cast = await tenantWithCast("ing-5000");
    const clients = Array.from({ length: 5000 }, (_, i) => ({ id: `C${i}`, name: `Client ${i}` }));
    expect(expectOk(await ingest(cast.service, { clients })).clients).toEqual(c(5000, 0, 0));
  });

  it("refuses a note with two targets or none, naming the path", async () => {
    const cast = await tenantWithCast("ing-target");
    await ingestAs(cast.service, cast.tenantId, seed());
    const two = expectProblem(
      await ingest(cast.service, {
        notes: [
          { id: "N8", jobId: "J1", body: "fine" },
          { id: "N9", jobId: "J1", clientId: "C1", body: "two targets" },
        ],
      }),
      422,
      "validation_failed",
    );
    expect(two.errors?.map((e) => e.path)).toEqual([expect.stringMatching(/^notes\[1\]/)]);
    const none = expectProblem(await ingest(cast.service, { notes: [{ id: "N9", body: "no target" }] }), 422, "validation_failed");
    expect(none.errors?.map((e) => e.path)).toEqual([expect.stringMatching(/^notes\[0\]/)]);
    expect(await noteBodies(cast.dispatcher, "J1")).toEqual({ N1: "Seed note" });
  });

  it.each([
    ["an unknown kind", { widgets: [] }, "widgets"],
    ["an unknown field", { clients: [{ id: "C1", name: "x", color: "red" }] }, "clients[0]"],
    ["a bad id", { clients: [{ id: "bad id!", name: "x" }] }, "clients[0].id"],
    [
      "a bad status",
      { clients: [{ id: "C1", name: "x" }], jobs: [{ id: "J1", clientId: "C1", title: "t", status: "done" }] },
      "jobs[0].status",
    ],
    [
      "a bad time",
      { jobs: [{ id: "J1", clientId: "C1", title: "t", status: "scheduled", scheduledStart: "tomorrow" }] },
      "jobs[0].scheduledStart",
    ],
    [
      "event data that is not an object",
      { events: [{ id: "E1", jobId: "J1", type: "x", at: "2026-10-01T08:00:00Z", data: [1] }] },
      "events[0].data",
    ],
  ])("refuses %s with 422 naming %s", async (_name, body, path) => {
    const cast = await tenantWithCast("ing-shape");
    const problem = expectProblem(await ingest(cast.service, body), 422, "validation_failed");
    // A path inside the record, or (for a key the schema does not know) the key named in the message.
    const named = problem.errors?.some((e) => e.path.startsWith(path) || (e.path === "(root)" && e.message.includes(`"${path}"`)));
    expect(named, JSON.stringify(problem.errors)).toBe(true);
    expect(await search(cast.dispatcher, "x")).toEqual([]);
  });
});

describe("who may ingest", () => {
  it.each(["service", "admin", "dispatcher"] as const)("%s may ingest", async (role) => {
    const cast = await tenantWithCast("ing-role");
    expect(countsOf(expectOk(await ingest(cast[role], seed())))).toMatchObject({ jobs: c(1, 0, 0), notes: c(1, 0, 0) });
    expect(await listAllJobIds(cast.dispatcher)).toEqual(["J1"]);
  });

  it.each(["technician", "otherTechnician", "auditor"] as const)("%s may not ingest and nothing is written", async (role) => {
    const cast = await tenantWithCast("ing-deny");
    expectProblem(await ingest(cast[role], seed()), 403, "forbidden");
    expectProblem(await ingest(cast[role], seed(), { "idempotency-key": "deny-1" }), 403, "forbidden");
    expect(await listAllJobIds(cast.dispatcher)).toEqual([]);
    expect(await search(cast.dispatcher, "seed")).toEqual([]);
  });
});

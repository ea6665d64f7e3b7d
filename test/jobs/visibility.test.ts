import { describe, expect, it } from "vitest";
import type { IngestBody } from "../../schemas/ingest";
import { call } from "../helpers/api";
import { expectOk, expectProblem, listAllJobIds, refsOf, search, type ProblemBody } from "../helpers/expect-api";
import { addMember, basicData, ingestAs, tenantWithCast, type Cast } from "../helpers/world";

interface JobBody {
  id: string;
  clientId: string;
  propertyId: string | null;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  scheduledStart: string | null;
  scheduledEnd: string | null;
  assignees: string[];
  createdAt: string;
  updatedAt: string;
}

interface ContextBody {
  job: JobBody;
  client: { id: string } | null;
  property: { id: string } | null;
  notes: { id: string; body: string }[];
  events: { id: string }[];
  evidence: { ref: string }[];
}

/** Refs of records belonging to J2's side of basicData: never visible to the technician of J1. */
const J2_SIDE = ["job:J2", "note:N2", "event:E2", "client:C2", "property:P2", "note:N4"];

async function world(prefix: string, canary = "zz"): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast, canary));
  return cast;
}

/** A 404 for a job must look exactly like the 404 for a job that does not exist. */
function expectSameAsMissing(hidden: ProblemBody, missing: ProblemBody, hiddenId: string, missingId: string): void {
  expect(Object.keys(hidden).sort()).toEqual(Object.keys(missing).sort());
  expect(hidden.type).toBe(missing.type);
  expect(hidden.title).toBe(missing.title);
  expect(hidden.code).toBe(missing.code);
  expect(hidden.status).toBe(missing.status);
  expect(hidden.detail.split(hiddenId).join("<id>")).toBe(missing.detail.split(missingId).join("<id>"));
}

describe("visibility per role", () => {
  it.each(["admin", "dispatcher", "auditor"] as const)("%s sees both jobs through list, get, context and search", async (role) => {
    const cast = await world(`vis-${role.slice(0, 4)}`);
    const token = cast[role];

    expect((await listAllJobIds(token)).sort()).toEqual(["J1", "J2"]);
    for (const id of ["J1", "J2"]) {
      expect(expectOk(await call<JobBody>(`/v1/jobs/${id}`, { token })).id).toBe(id);
      const context = expectOk(await call<ContextBody>(`/v1/jobs/${id}/context`, { token }));
      expect(context.job.id).toBe(id);
    }
    const hits = refsOf(await search(token, "condenser rooftop ladder bakery", { limit: 100 }));
    expect(hits).toEqual(expect.arrayContaining(["note:N1", "note:N2", "note:N4", "note:N3", "client:C1"]));
  });

  it("technician lists and reads only the job assigned to them", async () => {
    const cast = await world("vis-tech");
    const token = cast.technician;

    const list = expectOk(await call<{ jobs: JobBody[]; nextCursor: string | null }>("/v1/jobs", { token }));
    expect(list.jobs.map((j) => j.id)).toEqual(["J1"]);
    expect(list.nextCursor).toBeNull();
    // Filters cannot widen the view.
    expect(await listAllJobIds(token, "clientId=C2")).toEqual([]);
    expect(await listAllJobIds(token, `assignee=${cast.subjects.otherTechnician}`)).toEqual([]);
    expect(await listAllJobIds(token, "status=in_progress")).toEqual([]);

    expect(expectOk(await call<JobBody>("/v1/jobs/J1", { token }))).toMatchObject({ id: "J1", assignees: [cast.subjects.technician] });
  });

  it("technician gets for a hidden job exactly the 404 of a job that does not exist", async () => {
    const cast = await world("vis-404");
    const token = cast.technician;

    const missing = expectProblem(await call("/v1/jobs/NOPE", { token }), 404, "not_found");
    const hidden = await call("/v1/jobs/J2", { token });
    expectSameAsMissing(expectProblem(hidden, 404, "not_found"), missing, "J2", "NOPE");
    expect(hidden.text).not.toContain("zzj2");

    const missingContext = expectProblem(await call("/v1/jobs/NOPE/context", { token }), 404, "not_found");
    const hiddenContext = expectProblem(await call("/v1/jobs/J2/context", { token }), 404, "not_found");
    expectSameAsMissing(hiddenContext, missingContext, "J2", "NOPE");

    const missingNote = expectProblem(await call("/v1/jobs/NOPE/notes", { token, body: { body: "hello" } }), 404, "not_found");
    const hiddenNote = expectProblem(await call("/v1/jobs/J2/notes", { token, body: { body: "hello" } }), 404, "not_found");
    expectSameAsMissing(hiddenNote, missingNote, "J2", "NOPE");

    const missingSearch = expectProblem(await call("/v1/search?q=rooftop&jobId=NOPE", { token }), 404, "not_found");
    const hiddenSearch = expectProblem(await call("/v1/search?q=rooftop&jobId=J2", { token }), 404, "not_found");
    expectSameAsMissing(hiddenSearch, missingSearch, "J2", "NOPE");

    // The refused note was not written: the job's owner sees only the original note.
    const context = expectOk(await call<ContextBody>("/v1/jobs/J2/context", { token: cast.dispatcher }));
    expect(context.notes.map((n) => n.id).sort()).toEqual(["N2", "N4"]);
  });

  it("technician's search never returns the other job's records, but does return the client's note", async () => {
    const cast = await world("vis-srch");
    const token = cast.technician;
    const queries = [
      "rooftop",
      "stairwell gate code",
      "ladder loading dock",
      "summit offices",
      "ridge road",
      "quarterly",
      "arrived",
      "zzj2",
      "zzn*",
    ];
    for (const q of queries) {
      const hits = refsOf(await search(token, q, { limit: 100 }));
      for (const ref of J2_SIDE) expect(hits, `query ${q}`).not.toContain(ref);
    }
    const everything = await search(token, "zzj* zzn* zze* zzc* zzp* condenser bakery walk cooler quay compressor", { limit: 100 });
    expect(refsOf(everything).sort()).toEqual(["client:C1", "event:E1", "job:J1", "note:N1", "note:N3", "property:P1"]);
    for (const hit of everything) expect(hit.jobId === null || hit.jobId === "J1", hit.ref).toBe(true);

    expect(refsOf(await search(token, "bakery back door"))).toContain("note:N3");
    // The same words as a dispatcher do find the hidden side, so the absence above is visibility, not a miss.
    expect(refsOf(await search(cast.dispatcher, "rooftop stairwell", { limit: 100 }))).toEqual(
      expect.arrayContaining(["note:N2", "job:J2"]),
    );
  });

  it("technician's job context carries the client's note and nothing of the other job", async () => {
    const cast = await world("vis-ctx");
    const context = expectOk(await call<ContextBody>("/v1/jobs/J1/context", { token: cast.technician }));
    expect(context.client?.id).toBe("C1");
    expect(context.property?.id).toBe("P1");
    expect(context.notes.map((n) => n.id).sort()).toEqual(["N1", "N3"]);
    expect(context.events.map((e) => e.id)).toEqual(["E1"]);
    expect(context.evidence.map((e) => e.ref)).toEqual(expect.arrayContaining(["job:J1", "note:N1", "note:N3", "event:E1"]));
    for (const ref of J2_SIDE) expect(context.evidence.map((e) => e.ref)).not.toContain(ref);
  });

  it("technician may add a sanitized note to their own job but may not patch it or read the audit log", async () => {
    const cast = await world("vis-tnote");
    const token = cast.technician;

    expectProblem(await call("/v1/jobs/J1", { method: "PATCH", token, body: { status: "completed" } }), 403, "forbidden");
    expectProblem(await call("/v1/jobs/J2", { method: "PATCH", token, body: { status: "completed" } }), 403, "forbidden");
    expect(expectOk(await call<JobBody>("/v1/jobs/J1", { token })).status).toBe("scheduled");

    const created = await call<{ id: string; body: string; jobId: string; authorId: string }>("/v1/jobs/J1/notes", {
      token,
      body: { body: "<p>Hi <b>there</b><script>alert(1)</script></p>" },
    });
    const note = expectOk(created, 201);
    expect(note).toMatchObject({ body: "Hi there", jobId: "J1", authorId: cast.subjects.technician });
    const context = expectOk(await call<ContextBody>("/v1/jobs/J1/context", { token }));
    expect(context.notes.find((n) => n.id === note.id)?.body).toBe("Hi there");

    expectProblem(await call("/v1/admin/audit", { token }), 403, "forbidden");
    expectProblem(await call("/v1/admin/audit/verify", { token }), 403, "forbidden");
  });

  it("auditor reads everything and the audit log but writes nothing", async () => {
    const cast = await world("vis-aud");
    const token = cast.auditor;

    expectProblem(await call("/v1/jobs/J1", { method: "PATCH", token, body: { status: "completed" } }), 403, "forbidden");
    expectProblem(await call("/v1/jobs/J1/notes", { token, body: { body: "auditor was here" } }), 403, "forbidden");
    expectProblem(await call("/v1/ingest", { token, body: { clients: [{ id: "CX", name: "Auditor Client" }] } }), 403, "forbidden");

    const audit = expectOk(await call<{ entries: { action: string; outcome: string }[] }>("/v1/admin/audit", { token }));
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(audit.entries.some((e) => e.outcome === "denied")).toBe(true);
    expect(expectOk(await call<{ valid: boolean }>("/v1/admin/audit/verify", { token })).valid).toBe(true);

    const context = expectOk(await call<ContextBody>("/v1/jobs/J1/context", { token: cast.dispatcher }));
    expect(context.job.status).toBe("scheduled");
    expect(context.notes.map((n) => n.id).sort()).toEqual(["N1", "N3"]);
    expect(await search(cast.dispatcher, "auditor")).toEqual([]);
  });

  it("service identity may ingest but not read jobs, search or the audit log", async () => {
    const cast = await world("vis-svc");
    const token = cast.service;

    expectProblem(await call("/v1/jobs", { token }), 403, "forbidden");
    expectProblem(await call("/v1/jobs/J1", { token }), 403, "forbidden");
    expectProblem(await call("/v1/jobs/J1/context", { token }), 403, "forbidden");
    expectProblem(await call("/v1/search?q=condenser", { token }), 403, "forbidden");
    expectProblem(await call("/v1/admin/audit", { token }), 403, "forbidden");

    const res = await call<{ clients: { inserted: number } }>("/v1/ingest", {
      token,
      body: { clients: [{ id: "C9", name: "Service Client" }] },
    });
    expect(expectOk(res).clients.inserted).toBe(1);
    expect(refsOf(await search(cast.dispatcher, "service client"))).toContain("client:C9");
  });
});

describe("cross-tenant isolation", () => {
  it("keeps two tenants with the same record ids apart", async () => {
    const a = await world("iso-a", "alphacanary");
    const b = await world("iso-b", "bravocanary");
    // A job that exists only in B.
    await ingestAs(b.dispatcher, b.tenantId, { jobs: [{ id: "J9", clientId: "C1", title: "Bravo only job", status: "scheduled" }] });

    for (const role of ["admin", "dispatcher", "technician", "auditor", "service"] as const) {
      // A member of A naming B is refused, whatever the route.
      for (const path of ["/v1/me", "/v1/jobs", "/v1/jobs/J1", "/v1/search?q=condenser", "/v1/admin/audit"]) {
        const res = await call(path, { token: a[role], tenant: b.tenantId });
        expectProblem(res, 403, "not_a_member");
        expect(res.text).not.toContain("bravocanary");
      }
      expectProblem(
        await call("/v1/ingest", { token: a[role], tenant: b.tenantId, body: { clients: [{ id: "CZ", name: "Injected" }] } }),
        403,
        "not_a_member",
      );
    }
    expect(refsOf(await search(b.dispatcher, "injected"))).toEqual([]);

    // A's tokens read A's copy of the shared ids, never B's.
    const job = await call<JobBody>("/v1/jobs/J1", { token: a.dispatcher });
    expect(expectOk(job).description).toBe("Compressor cycling alphacanaryj1");
    const context = await call("/v1/jobs/J2/context", { token: a.admin });
    expect(context.status).toBe(200);
    expect(context.text).toContain("alphacanaryj2");
    expect(context.text).not.toContain("bravocanary");
    const hits = await search(a.dispatcher, "condenser rooftop bakery bravocanaryn1 bravocanary*", { limit: 100 });
    expect(hits.length).toBeGreaterThan(0);
    expect(JSON.stringify(hits)).not.toContain("bravocanary");
    expect(await listAllJobIds(a.admin)).not.toContain("J9");

    // A job that exists only in B is, in A, exactly a missing job.
    const missing = expectProblem(await call("/v1/jobs/NOPE", { token: a.admin }), 404, "not_found");
    const onlyInB = expectProblem(await call("/v1/jobs/J9", { token: a.admin }), 404, "not_found");
    expectSameAsMissing(onlyInB, missing, "J9", "NOPE");
    expectSameAsMissing(expectProblem(await call("/v1/jobs/J9/context", { token: a.admin }), 404, "not_found"), missing, "J9", "NOPE");
    expect(expectOk(await call<JobBody>("/v1/jobs/J9", { token: b.admin })).title).toBe("Bravo only job");
  });

  it("an identity in both tenants reads each tenant only with that tenant's role", async () => {
    const a = await world("iso-dual-a", "alphacanary");
    const b = await world("iso-dual-b", "bravocanary");
    // A's technician is also an auditor of B.
    await addMember(b.tenantId, a.subjects.technician, "auditor");
    const token = a.technician;

    expectProblem(await call("/v1/jobs", { token }), 400, "bad_request");
    expect(await listAllJobIds(token, "", a.tenantId)).toEqual(["J1"]);
    expect((await listAllJobIds(token, "", b.tenantId)).sort()).toEqual(["J1", "J2"]);
    expectProblem(await call("/v1/jobs/J2", { token, tenant: a.tenantId }), 404, "not_found");
    const bJob = expectOk(await call<JobBody>("/v1/jobs/J2", { token, tenant: b.tenantId }));
    expect(bJob.description).toBe("Quarterly maintenance bravocanaryj2");
    const inA = await search(token, "rooftop alphacanary* bravocanary*", { tenant: a.tenantId, limit: 100 });
    expect(JSON.stringify(inA)).not.toContain("bravocanary");
    for (const ref of J2_SIDE) expect(refsOf(inA)).not.toContain(ref);
  });
});

describe("reassignment", () => {
  it("opens and closes a job to a technician immediately", async () => {
    const cast = await world("reassign");
    const token = cast.technician;
    expectProblem(await call("/v1/jobs/J2", { token }), 404, "not_found");

    const patched = await call<JobBody>("/v1/jobs/J2", {
      method: "PATCH",
      token: cast.dispatcher,
      body: { assignees: [cast.subjects.technician] },
    });
    expect(expectOk(patched).assignees).toEqual([cast.subjects.technician]);

    expect((await listAllJobIds(token)).sort()).toEqual(["J1", "J2"]);
    expect(expectOk(await call<JobBody>("/v1/jobs/J2", { token })).id).toBe("J2");
    const context = expectOk(await call<ContextBody>("/v1/jobs/J2/context", { token }));
    expect(context.notes.map((n) => n.id).sort()).toEqual(["N2", "N4"]);
    expect(refsOf(await search(token, "rooftop stairwell ladder", { limit: 100 }))).toEqual(
      expect.arrayContaining(["note:N2", "job:J2", "note:N4"]),
    );
    expect(refsOf(await search(token, "rooftop", { jobId: "J2" }))).toContain("job:J2");
    // The other technician lost it.
    expectProblem(await call("/v1/jobs/J2", { token: cast.otherTechnician }), 404, "not_found");
    expect(await listAllJobIds(cast.otherTechnician)).toEqual([]);

    const back = await call<JobBody>("/v1/jobs/J2", {
      method: "PATCH",
      token: cast.dispatcher,
      body: { assignees: [cast.subjects.otherTechnician] },
    });
    expect(expectOk(back).assignees).toEqual([cast.subjects.otherTechnician]);
    expectProblem(await call("/v1/jobs/J2", { token }), 404, "not_found");
    expectProblem(await call("/v1/jobs/J2/context", { token }), 404, "not_found");
    expect(await listAllJobIds(token)).toEqual(["J1"]);
    const hits = refsOf(await search(token, "rooftop stairwell ladder", { limit: 100 }));
    for (const ref of J2_SIDE) expect(hits).not.toContain(ref);
    expect(expectOk(await call<JobBody>("/v1/jobs/J2", { token: cast.otherTechnician })).id).toBe("J2");
  });
});

describe("jobs list", () => {
  function filterData(cast: Cast): IngestBody {
    const t = cast.subjects.technician;
    const o = cast.subjects.otherTechnician;
    return {
      clients: [
        { id: "C1", name: "Client one" },
        { id: "C2", name: "Client two" },
      ],
      properties: [
        { id: "P1", clientId: "C1", address: "1 First Street" },
        { id: "P2", clientId: "C1", address: "2 Second Street" },
        { id: "P3", clientId: "C2", address: "3 Third Street" },
      ],
      jobs: [
        {
          id: "A",
          clientId: "C1",
          propertyId: "P1",
          title: "a",
          status: "scheduled",
          priority: "high",
          scheduledStart: "2026-11-01T08:00:00Z",
          assignees: [t],
        },
        {
          id: "B",
          clientId: "C1",
          propertyId: "P2",
          title: "b",
          status: "completed",
          priority: "low",
          scheduledStart: "2026-11-05T08:00:00Z",
          assignees: [o],
        },
        {
          id: "C",
          clientId: "C2",
          propertyId: "P3",
          title: "c",
          status: "scheduled",
          priority: "urgent",
          scheduledStart: "2026-11-10T08:00:00Z",
          assignees: [t, o],
        },
        { id: "D", clientId: "C2", title: "d", status: "cancelled", scheduledStart: "2026-12-01T08:00:00Z" },
        { id: "E", clientId: "C1", propertyId: "P1", title: "e", status: "in_progress", priority: "high" },
      ],
    };
  }

  it("filters by status, priority, assignee, client, property and schedule window", async () => {
    const cast = await tenantWithCast("list-filter");
    await ingestAs(cast.dispatcher, cast.tenantId, filterData(cast));
    const ids = async (query: string) => (await listAllJobIds(cast.dispatcher, query)).sort();

    expect(await ids("")).toEqual(["A", "B", "C", "D", "E"]);
    expect(await ids("status=scheduled")).toEqual(["A", "C"]);
    expect(await ids("status=cancelled")).toEqual(["D"]);
    expect(await ids("priority=high")).toEqual(["A", "E"]);
    expect(await ids("priority=normal")).toEqual(["D"]);
    expect(await ids(`assignee=${cast.subjects.technician}`)).toEqual(["A", "C"]);
    expect(await ids(`assignee=${cast.subjects.otherTechnician}`)).toEqual(["B", "C"]);
    expect(await ids("assignee=nobody")).toEqual([]);
    expect(await ids("clientId=C1")).toEqual(["A", "B", "E"]);
    expect(await ids("clientId=NOPE")).toEqual([]);
    expect(await ids("propertyId=P1")).toEqual(["A", "E"]);
    expect(await ids("propertyId=P3")).toEqual(["C"]);
    expect(await ids("propertyId=NOPE")).toEqual([]);
    expect(await ids("scheduledFrom=2026-11-03T00:00:00Z")).toEqual(["B", "C", "D"]);
    expect(await ids("scheduledTo=2026-11-07T00:00:00Z")).toEqual(["A", "B"]);
    expect(await ids("scheduledFrom=2026-11-03T00:00:00Z&scheduledTo=2026-11-30T00:00:00Z")).toEqual(["B", "C"]);
    expect(await ids("status=scheduled&clientId=C2&priority=urgent")).toEqual(["C"]);
    expect(await ids("status=scheduled&clientId=C1&priority=urgent")).toEqual([]);
    // A technician's filters apply inside their own view.
    expect((await listAllJobIds(cast.technician, "clientId=C1")).sort()).toEqual(["A"]);
    expect((await listAllJobIds(cast.technician, "status=scheduled")).sort()).toEqual(["A", "C"]);

    expectProblem(await call("/v1/jobs?status=done", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/jobs?scheduledFrom=yesterday", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/jobs?limit=0", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/jobs?cursor=abc", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/jobs?color=red", { token: cast.dispatcher }), 422, "validation_failed");
  });

  it("compares schedule windows as instants when times carry offsets", async () => {
    const cast = await tenantWithCast("list-tz");
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [{ id: "C1", name: "Client" }],
      jobs: [
        // 10:00 at +02:00 is 08:00Z; 07:00 at -05:00 is 12:00Z.
        { id: "EARLY", clientId: "C1", title: "early", status: "scheduled", scheduledStart: "2026-11-02T10:00:00+02:00" },
        { id: "LATE", clientId: "C1", title: "late", status: "scheduled", scheduledStart: "2026-11-02T07:00:00-05:00" },
      ],
    });
    expect(await listAllJobIds(cast.dispatcher, "scheduledFrom=2026-11-02T09:00:00Z")).toEqual(["LATE"]);
    expect(await listAllJobIds(cast.dispatcher, "scheduledTo=2026-11-02T09:00:00Z")).toEqual(["EARLY"]);
  });

  it("pages 120 jobs by 50 with a cursor, each job exactly once", async () => {
    const cast = await tenantWithCast("list-page");
    const ids = Array.from({ length: 120 }, (_, i) => `JOB-${String(i).padStart(3, "0")}`);
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [{ id: "C1", name: "Client" }],
      jobs: ids.map((id) => ({ id, clientId: "C1", title: `Job ${id}`, status: "scheduled" as const })),
    });

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/v1/jobs?limit=50${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = expectOk(await call<{ jobs: JobBody[]; nextCursor: string | null }>(path, { token: cast.dispatcher }));
      sizes.push(page.jobs.length);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(sizes).toEqual([50, 50, 20]);
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(120);
    expect([...seen].sort()).toEqual(ids);
  });
});

describe("PATCH /v1/jobs/:id", () => {
  it("changes status, priority, assignees and description and returns the updated job", async () => {
    const cast = await world("patch");
    const before = expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.dispatcher }));

    const res = await call<JobBody>("/v1/jobs/J1", {
      method: "PATCH",
      token: cast.dispatcher,
      body: { status: "in_progress", priority: "urgent", assignees: [cast.subjects.otherTechnician], description: "Compressor replaced" },
    });
    const job = expectOk(res);
    expect(job).toMatchObject({
      id: "J1",
      clientId: "C1",
      propertyId: "P1",
      title: before.title,
      status: "in_progress",
      priority: "urgent",
      assignees: [cast.subjects.otherTechnician],
      description: "Compressor replaced",
      createdAt: before.createdAt,
    });
    expect(Date.parse(job.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect(expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.admin }))).toEqual(job);
    expect(refsOf(await search(cast.dispatcher, "replaced compressor"))).toContain("job:J1");

    const cleared = expectOk(
      await call<JobBody>("/v1/jobs/J1", { method: "PATCH", token: cast.admin, body: { description: null, assignees: [] } }),
    );
    expect(cleared).toMatchObject({ description: null, assignees: [] });
    expectProblem(await call("/v1/jobs/J1", { token: cast.otherTechnician }), 404, "not_found");
  });

  it("answers an unchanged PATCH with 200 and the same job", async () => {
    const cast = await world("patch-same");
    const before = expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.dispatcher }));
    const res = await call<JobBody>("/v1/jobs/J1", {
      method: "PATCH",
      token: cast.dispatcher,
      body: { status: before.status, priority: before.priority, assignees: before.assignees, description: before.description },
    });
    expect(expectOk(res)).toEqual(before);
    expect(expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.dispatcher }))).toEqual(before);
  });

  it("rejects bad patches without changing the job", async () => {
    const cast = await world("patch-bad");
    const before = expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.dispatcher }));
    expectProblem(
      await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { status: "done" } }),
      422,
      "validation_failed",
    );
    expectProblem(await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: {} }), 422, "validation_failed");
    expectProblem(
      await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { clientId: "C2" } }),
      422,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/jobs/NOPE", { method: "PATCH", token: cast.dispatcher, body: { status: "completed" } }),
      404,
      "not_found",
    );
    expect(expectOk(await call<JobBody>("/v1/jobs/J1", { token: cast.dispatcher }))).toEqual(before);
  });
});

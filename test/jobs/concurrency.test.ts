import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call, type ApiResponse } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { userToken } from "../helpers/tokens";
import { addMember, basicData, ingestAs, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * No lost updates (RFC 9110 §13): every job answers with a strong ETag, a PATCH with a stale
 * If-Match is a 412 that writes nothing (job, audit entry, socket push), a GET whose
 * If-None-Match matches is a 304, and assignees change by operation so that concurrent
 * dispatchers adding themselves never overwrite each other.
 */

const worker = (exports as unknown as { default: Fetcher }).default;

interface Job {
  id: string;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assignees: string[];
  updatedAt: string;
}

const patch = (cast: Cast, jobId: string, body: unknown, headers: Record<string, string> = {}, token = cast.dispatcher) =>
  call<Job>(`/v1/jobs/${jobId}`, { method: "PATCH", token, body, headers });

const getJob = (token: string, jobId: string, headers: Record<string, string> = {}) => call<Job>(`/v1/jobs/${jobId}`, { token, headers });

/** The ETag of a 200, which must be a strong entity tag. */
function etagOf(res: ApiResponse<unknown>): string {
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  const tag = res.headers.get("etag");
  expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  return tag as string;
}

/** Actions of the tenant's audit log about one target, read through the API. */
async function auditedActions(cast: Cast, target: string): Promise<string[]> {
  const page = expectOk(await call("/v1/admin/audit?limit=500", { token: cast.admin }));
  return (page.entries as { action: string; target: string | null; outcome: string }[])
    .filter((e) => e.target === target && e.outcome === "ok")
    .map((e) => e.action);
}

async function world(prefix: string): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  return cast;
}

/** `n` more dispatchers of the tenant: their subjects and tokens. */
async function dispatchers(cast: Cast, n: number): Promise<{ subject: string; token: string }[]> {
  const out: { subject: string; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const subject = uniqueId(`d${i}`);
    await addMember(cast.tenantId, subject, "dispatcher");
    out.push({ subject, token: await userToken(subject) });
  }
  return out;
}

/** A socket that keeps the `job.updated` pushes it receives. */
async function jobUpdates(token: string): Promise<{ jobIds: string[]; until: (n: number) => Promise<void>; close: () => void }> {
  const ticket = expectOk(await call("/v1/realtime/ticket", { method: "POST", token })).ticket as string;
  const res = await worker.fetch(
    new Request(`${BASE}/v1/realtime?ticket=${encodeURIComponent(ticket)}`, { headers: { upgrade: "websocket" } }),
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  ws.accept();
  const jobIds: string[] = [];
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(String(event.data)) as { type: string; jobId?: string };
    if (frame.type === "job.updated" && frame.jobId) jobIds.push(frame.jobId);
  });
  return {
    jobIds,
    until: async (n) => {
      const deadline = Date.now() + 5_000;
      while (jobIds.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} job.updated pushes; got ${JSON.stringify(jobIds)}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: () => ws.close(1000, "bye"),
  };
}

describe("assignees by operation", () => {
  it("ten dispatchers adding themselves at once all end up assigned (no read needed)", async () => {
    const cast = await world("cc-add");
    const team = await dispatchers(cast, 10);
    const results = await Promise.all(team.map((d) => patch(cast, "J1", { assigneesAdd: [d.subject] }, {}, d.token)));
    for (const res of results) expect(res.status, res.text).toBe(200);
    const job = expectOk(await getJob(cast.dispatcher, "J1"));
    expect(job.assignees).toEqual([cast.subjects.technician, ...team.map((d) => d.subject)].sort());
    expect((await auditedActions(cast, "job:J1")).filter((a) => a === "job.update")).toHaveLength(10);
  });

  it("read-modify-write of the whole list without If-Match loses updates (why the operations exist)", async () => {
    const cast = await world("cc-lost");
    const team = await dispatchers(cast, 5);
    const read = expectOk(await getJob(cast.dispatcher, "J1"));
    const results = await Promise.all(team.map((d) => patch(cast, "J1", { assignees: [...read.assignees, d.subject] }, {}, d.token)));
    for (const res of results) expect(res.status).toBe(200);
    expect(expectOk(await getJob(cast.dispatcher, "J1")).assignees).toHaveLength(2);
  });

  it("adds and removes in one change; adding one already there or removing one absent changes nothing", async () => {
    const cast = await world("cc-ops");
    const before = await getJob(cast.dispatcher, "J1");
    const tag = etagOf(before);
    // No-ops: nothing written, same tag, nothing audited.
    for (const body of [{ assigneesAdd: [cast.subjects.technician] }, { assigneesRemove: ["nobody-assigned"] }, { assigneesAdd: [] }]) {
      const res = await patch(cast, "J1", body);
      expect(etagOf(res)).toBe(tag);
      expect(res.body).toEqual(before.body);
    }
    expect(await auditedActions(cast, "job:J1")).not.toContain("job.update");
    const both = expectOk(
      await patch(cast, "J1", { assigneesAdd: [cast.subjects.otherTechnician, "x.helper"], assigneesRemove: [cast.subjects.technician] }),
    );
    expect(both.assignees).toEqual([cast.subjects.otherTechnician, "x.helper"].sort());
    // Fields not named keep their values.
    expect(both).toMatchObject({ title: before.body.title, status: before.body.status, priority: before.body.priority });
    expect(await auditedActions(cast, "job:J1")).toEqual(["job.update"]);
  });

  it("refuses assignees with an operation, the same id added and removed, and bad ids, naming the path and writing nothing", async () => {
    const cast = await world("cc-opbad");
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    expectValidationAt(await patch(cast, "J1", { assignees: ["a"], assigneesAdd: ["b"] }), "assigneesAdd");
    expectValidationAt(await patch(cast, "J1", { assignees: ["a"], assigneesRemove: ["b"] }), "assigneesRemove");
    expectValidationAt(await patch(cast, "J1", { assigneesAdd: ["a", "b"], assigneesRemove: ["b"] }), "assigneesAdd[1]");
    expectValidationAt(await patch(cast, "J1", { assigneesAdd: ["not an id"] }), "assigneesAdd[0]");
    expectValidationAt(await patch(cast, "J1", { assigneesRemove: "b" }), "assigneesRemove");
    expectValidationAt(await patch(cast, "J1", { assigneesAdd: Array.from({ length: 51 }, (_, i) => `u${i}`) }), "assigneesAdd");
    expect(etagOf(await getJob(cast.dispatcher, "J1"))).toBe(tag);
  });

  it("the bound on assignees applies to the result of an addition", async () => {
    const cast = await world("cc-bound");
    const fifty = Array.from({ length: 50 }, (_, i) => `u${String(i).padStart(2, "0")}`);
    const full = expectOk(await patch(cast, "J1", { assignees: fifty }));
    expect(full.assignees).toHaveLength(50);
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    const over = await patch(cast, "J1", { assigneesAdd: ["u50"] });
    expectValidationAt(over, "assigneesAdd");
    expect(expectProblem(over, 422, "validation_failed").detail).toContain("51 assignees");
    expect(etagOf(await getJob(cast.dispatcher, "J1"))).toBe(tag);
    // Swapping one for another stays within the bound; re-adding one already there is no change.
    expect(expectOk(await patch(cast, "J1", { assigneesAdd: ["u50"], assigneesRemove: ["u00"] })).assignees).toHaveLength(50);
    expect(etagOf(await patch(cast, "J1", { assigneesAdd: ["u50"] }))).toBe(etagOf(await getJob(cast.dispatcher, "J1")));
  });
});

describe("If-Match on PATCH /v1/jobs/{id}", () => {
  it("ten concurrent read-modify-writes with the same tag: exactly one 200, nine 412 that wrote nothing", async () => {
    const cast = await world("cc-race");
    const team = await dispatchers(cast, 10);
    const socket = await jobUpdates(cast.admin);
    const read = await getJob(cast.dispatcher, "J1");
    const tag = etagOf(read);
    const results = await Promise.all(
      team.map((d) => patch(cast, "J1", { assignees: [...read.body.assignees, d.subject] }, { "if-match": tag }, d.token)),
    );
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const res of lost) expectProblem(res, 412, "precondition_failed");

    // The job is the winner's change, with the winner's tag; the losers left no trace.
    const winner = won[0] as ApiResponse<Job>;
    const newTag = etagOf(winner);
    expect(newTag).not.toBe(tag);
    const now = await getJob(cast.dispatcher, "J1");
    expect(etagOf(now)).toBe(newTag);
    expect(now.body).toEqual(winner.body);
    expect(now.body.assignees).toHaveLength(2);
    expect((await auditedActions(cast, "job:J1")).filter((a) => a === "job.update")).toHaveLength(1);
    // One push for J1: a later change to J2 arrives after any push the race made.
    expectOk(await patch(cast, "J2", { priority: "urgent" }));
    await socket.until(2);
    expect(socket.jobIds).toEqual(["J1", "J2"]);
    socket.close();
  });

  it("a current tag (alone, in a list, or *) lets the change through and answers the new tag", async () => {
    const cast = await world("cc-ok");
    let tag = etagOf(await getJob(cast.dispatcher, "J1"));
    // Each value names the tag current at that moment.
    const values = [(t: string) => t, (t: string) => `"nope", ${t}`, () => "*"];
    for (const [i, ifMatch] of values.entries()) {
      const res = await patch(cast, "J1", { title: `Cooler ${i}` }, { "if-match": ifMatch(tag) });
      const next = etagOf(res);
      expect(next).not.toBe(tag);
      expect(etagOf(await getJob(cast.dispatcher, "J1"))).toBe(next);
      tag = next;
    }
    // A change that changes nothing keeps the tag.
    const current = expectOk(await getJob(cast.dispatcher, "J1"));
    expect(etagOf(await patch(cast, "J1", { title: current.title }, { "if-match": tag }))).toBe(tag);
  });

  it("a weak tag never matches, malformed values match nothing, If-None-Match on a write is checked too: 412 and nothing written", async () => {
    const cast = await world("cc-bad");
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    const weak = expectProblem(await patch(cast, "J1", { title: "Weak" }, { "if-match": `W/${tag}` }), 412, "precondition_failed");
    expect(weak.detail).toContain("weak");
    const malformed = [
      tag.slice(1, -1), // unquoted
      `${tag.slice(0, -1)}`, // no closing quote
      `*, ${tag}`, // * stands alone
      `${tag} ${tag}`, // no comma
      `w/${tag}`, // W/ is case-sensitive
      `"a b"`, // a space is not an entity-tag character
      `${",".repeat(10)}${" ".repeat(4_100)}${tag}`, // longer than any accepted value
      Array.from({ length: 33 }, () => tag).join(", "), // too many tags
    ];
    for (const value of malformed) {
      const problem = expectProblem(await patch(cast, "J1", { title: "Malformed" }, { "if-match": value }), 412, "precondition_failed");
      expect(problem.detail, value.slice(0, 40)).toContain("not a list of entity tags");
    }
    // An empty list names no tag; If-None-Match: * on an existing job fails a write.
    expectProblem(await patch(cast, "J1", { title: "Empty" }, { "if-match": " , " }), 412, "precondition_failed");
    expectProblem(await patch(cast, "J1", { title: "Exists" }, { "if-none-match": "*" }), 412, "precondition_failed");
    expectProblem(await patch(cast, "J1", { title: "Exists" }, { "if-none-match": `W/${tag}` }), 412, "precondition_failed");
    expect(etagOf(await getJob(cast.dispatcher, "J1"))).toBe(tag);
    expect(await auditedActions(cast, "job:J1")).toEqual([]);
    // The current tag in If-Match, with another tag in If-None-Match, passes both.
    etagOf(await patch(cast, "J1", { title: "Both" }, { "if-match": tag, "if-none-match": '"other"' }));
  });

  it("a job the caller may not see, or that does not exist, is 404 whatever the preconditions say", async () => {
    const cast = await world("cc-vis");
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    const conditions: Record<string, string>[] = [
      { "if-none-match": tag },
      { "if-none-match": "*" },
      { "if-match": '"stale"' },
      { "if-match": "*" },
    ];
    for (const headers of conditions) {
      expectProblem(await getJob(cast.otherTechnician, "J1", headers), 404, "not_found");
      expectProblem(await getJob(cast.dispatcher, "J404", headers), 404, "not_found");
      expectProblem(await patch(cast, "J404", { title: "x" }, headers), 404, "not_found");
    }
    // Technicians may not change jobs at all: 403 before any tag is compared.
    expectProblem(await patch(cast, "J1", { title: "x" }, { "if-match": tag }, cast.technician), 403, "forbidden");
  });

  it("a change through ingest changes the job's tag, so an If-Match from before it fails; a note does not", async () => {
    const cast = await world("cc-ingest");
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    const [j1] = basicData(cast).jobs ?? [];
    if (!j1) throw new Error("basicData has no J1");
    // An unchanged upsert and a note leave the job's representation, and so its tag, as they were.
    await ingestAs(cast.dispatcher, cast.tenantId, { jobs: [j1] });
    expectOk(await call("/v1/jobs/J1/notes", { token: cast.dispatcher, body: { body: "Checked the door seal" } }), 201);
    expect(etagOf(await getJob(cast.dispatcher, "J1"))).toBe(tag);

    await ingestAs(cast.dispatcher, cast.tenantId, { jobs: [{ ...j1, title: "Walk-in cooler warm again" }] });
    const after = await getJob(cast.dispatcher, "J1");
    expect(etagOf(after)).not.toBe(tag);
    expect(after.body.title).toBe("Walk-in cooler warm again");
    expectProblem(await patch(cast, "J1", { priority: "low" }, { "if-match": tag }), 412, "precondition_failed");
    expect(expectOk(await getJob(cast.dispatcher, "J1")).priority).toBe("high");
  });
});

describe("If-None-Match on GET /v1/jobs/{id}", () => {
  it("answers 304 with the ETag and no body while the tag matches, and 200 once the job changed", async () => {
    const cast = await world("cc-304");
    const first = await getJob(cast.technician, "J1");
    const tag = etagOf(first);
    for (const value of [tag, `W/${tag}`, `"other", ${tag}`, "*"]) {
      const res = await getJob(cast.technician, "J1", { "if-none-match": value });
      expect(res.status, value).toBe(304);
      expect(res.text).toBe("");
      expect(res.headers.get("etag")).toBe(tag);
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
    // Another tag, or a value that is not a list of tags, matches nothing: the full answer.
    for (const value of ['"other"', "garbage"]) {
      const res = await getJob(cast.technician, "J1", { "if-none-match": value });
      expect(etagOf(res)).toBe(tag);
      expect(res.body).toEqual(first.body);
    }
    expectOk(await patch(cast, "J1", { status: "in_progress" }));
    const changed = await getJob(cast.technician, "J1", { "if-none-match": tag });
    expect(etagOf(changed)).not.toBe(tag);
    expect(changed.body.status).toBe("in_progress");
    // If-Match on a read is honoured too: a stale tag is a 412.
    expectProblem(await getJob(cast.technician, "J1", { "if-match": tag }), 412, "precondition_failed");
  });

  it("a 304 counts against the rate limit like the 200 it replaces", async () => {
    const cast = await world("cc-rate");
    const tag = etagOf(await getJob(cast.dispatcher, "J1"));
    await untilRateWindowHasRoom();
    await putSettings(cast.admin, cast.tenantId, { rateLimits: { userPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await getJob(cast.technician, "J1", { "if-none-match": tag })).status);
    expect(statuses).toEqual([304, 304, 304, 429, 429]);
  });
});

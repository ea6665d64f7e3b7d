import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { basicData, ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/**
 * `POST /v1/jobs/:id/notes` with an `Idempotency-Key`: what a phone that lost the answer sends
 * again. The same key and note answer the first note again and write nothing; the same key with
 * another note, or for another job, is a 409; without a key every send is a new note.
 */
async function world(): Promise<Cast> {
  const cast = await tenantWithCast("notes-idem");
  await ingestAs(cast.service, cast.tenantId, basicData(cast));
  return cast;
}

const send = (cast: Cast, jobId: string, body: string, key?: string) =>
  call(`/v1/jobs/${jobId}/notes`, { token: cast.technician, body: { body }, headers: key ? { "idempotency-key": key } : {} });

async function noteIds(cast: Cast, jobId: string): Promise<string[]> {
  const context = expectOk(await call(`/v1/jobs/${jobId}/context`, { token: cast.technician }));
  return (context as { notes: { id: string; authorId: string | null }[] }).notes
    .filter((n) => n.authorId === cast.subjects.technician)
    .map((n) => n.id);
}

describe("a note sent with an Idempotency-Key", () => {
  it("answers a retried send with the first note and writes no second one", async () => {
    const cast = await world();
    const first = await send(cast, "J1", "Compressor replaced; queued offline", "phone-7f3a.001");
    const note = expectOk(first, 201) as { id: string; body: string };
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await send(cast, "J1", "Compressor replaced; queued offline", "phone-7f3a.001");
    expect(expectOk(again, 201)).toEqual(note);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await noteIds(cast, "J1")).toEqual([note.id]);
  });

  it("refuses the same key with another note or for another job (409), and writes nothing", async () => {
    const cast = await world();
    expectOk(await send(cast, "J1", "first text", "k-1"), 201);
    expectProblem(await send(cast, "J1", "other text", "k-1"), 409, "idempotency_conflict");
    expect(await noteIds(cast, "J1")).toHaveLength(1);
    // The job is part of what the key stands for: the dispatcher's same key and text on J2 conflict.
    const as = (jobId: string) =>
      call(`/v1/jobs/${jobId}/notes`, { token: cast.dispatcher, body: { body: "dispatch text" }, headers: { "idempotency-key": "k-2" } });
    expectOk(await as("J1"), 201);
    expectProblem(await as("J2"), 409, "idempotency_conflict");
    const j2 = expectOk(await call("/v1/jobs/J2/context", { token: cast.dispatcher })) as { notes: { body: string }[] };
    expect(j2.notes.map((n) => n.body)).not.toContain("dispatch text");
  });

  it("writes a new note for every send without a key, and refuses a malformed key with 422", async () => {
    const cast = await world();
    expectOk(await send(cast, "J1", "same words"), 201);
    expectOk(await send(cast, "J1", "same words"), 201);
    expect(await noteIds(cast, "J1")).toHaveLength(2);
    expectProblem(await send(cast, "J1", "bad key", "has space"), 422, "validation_failed");
    expect(await noteIds(cast, "J1")).toHaveLength(2);
  });
});

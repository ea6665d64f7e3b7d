import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import { keys } from "../helpers/tokens";
import { ingestAs, operatorToken, tenantWithCast } from "../helpers/world";

interface ContextBody {
  notes: { id: string; createdAt: string }[];
  evidence: { ref: string; kind: string }[];
  assignees: { userId: string; email: string | null; role: string | null }[];
}

/** Where each generated note hangs: J1's context reads J1, its client C1 and its property P1. */
const TARGETS = [
  { jobId: "J1" },
  { clientId: "C1" },
  { propertyId: "P1" },
  { jobId: "J2" },
  { propertyId: "P3" },
  { clientId: "C2" },
  { jobId: "J3" },
];
const IN_J1_CONTEXT = new Set([0, 1, 2]);

describe("job context", () => {
  it("has the 20 newest notes of the job, its client and its property together, newest first, ties by latest written", async () => {
    const cast = await tenantWithCast("ctx");
    // 70 notes, ten on each target, with scrambled times from a small set so that many share one
    // (the tie-break is the order of writing: a later note first).
    const notes = Array.from({ length: 70 }, (_, i) => ({
      id: `N${String(i).padStart(2, "0")}`,
      body: `note ${i}`,
      createdAt: `2026-10-01T10:${String((i * 17) % 23).padStart(2, "0")}:00.000Z`,
      ...TARGETS[i % TARGETS.length],
    }));
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [
        { id: "C1", name: "One" },
        { id: "C2", name: "Two" },
      ],
      properties: [
        { id: "P1", clientId: "C1", address: "1 First St" },
        { id: "P2", clientId: "C2", address: "2 Second St" },
        { id: "P3", clientId: "C1", address: "3 Third St" },
      ],
      jobs: [
        { id: "J1", clientId: "C1", propertyId: "P1", title: "One", status: "scheduled" },
        { id: "J2", clientId: "C1", propertyId: "P3", title: "Two", status: "scheduled" },
        { id: "J3", clientId: "C2", propertyId: "P2", title: "Three", status: "scheduled" },
      ],
      notes,
    });
    const expected = notes
      .map((n, i) => ({ ...n, i }))
      .filter((n) => IN_J1_CONTEXT.has(n.i % TARGETS.length))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.i - a.i)
      .slice(0, 20)
      .map((n) => n.id);

    const context = expectOk(await call<ContextBody>("/v1/jobs/J1/context", { token: cast.dispatcher }));
    expect(context.notes.map((n) => n.id)).toEqual(expected);
    expect(context.evidence.filter((e) => e.kind === "note").map((e) => e.ref)).toEqual(expected.map((id) => `note:${id}`));

    // A job without a property: its own and its client's notes only.
    await ingestAs(cast.dispatcher, cast.tenantId, { jobs: [{ id: "J4", clientId: "C2", title: "Four", status: "scheduled" }] });
    const j4 = expectOk(await call<ContextBody>("/v1/jobs/J4/context", { token: cast.dispatcher }));
    const clientTwo = notes
      .map((n, i) => ({ ...n, i }))
      .filter((n) => n.i % TARGETS.length === 5)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.i - a.i)
      .map((n) => n.id);
    expect(j4.notes.map((n) => n.id)).toEqual(clientTwo);
  });

  it("names each assignee's e-mail and role from the first identity provider in order, and null for a stranger", async () => {
    const cast = await tenantWithCast("ctxpeople");
    const operator = await operatorToken();
    // The technician's subject under a second provider, sorting after the test issuer (http://… < https://…).
    const other = await call(`/v1/platform/tenants/${cast.tenantId}/members`, {
      token: operator,
      body: { subject: cast.subjects.technician, role: "auditor", issuer: "https://other-idp.example", email: "tech@other.example" },
    });
    expect(other.status).toBe(201);
    expect(keys.issuer < "https://other-idp.example").toBe(true);
    const assignees = [cast.subjects.otherTechnician, "stranger", cast.subjects.technician];
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [{ id: "C1", name: "One" }],
      jobs: [{ id: "J1", clientId: "C1", title: "One", status: "scheduled", assignees }],
    });
    const context = expectOk(await call<ContextBody>("/v1/jobs/J1/context", { token: cast.dispatcher }));
    expect(context.assignees).toEqual(
      [...assignees].sort().map((userId) => ({
        userId,
        email: null,
        role: userId === "stranger" ? null : "technician",
      })),
    );
  });
});

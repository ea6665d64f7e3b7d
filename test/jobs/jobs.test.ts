import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

describe("jobs API end to end", () => {
  it("ingests records and serves a job, its context and search to a dispatcher", async () => {
    const cast = await tenantWithCast("jobs");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));

    const job = await call("/v1/jobs/J1", { token: cast.dispatcher });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: "J1",
      clientId: "C1",
      propertyId: "P1",
      status: "scheduled",
      priority: "high",
      assignees: [cast.subjects.technician],
    });

    const context = await call("/v1/jobs/J1/context", { token: cast.dispatcher });
    expect(context.status).toBe(200);
    expect(context.body.client.id).toBe("C1");
    expect(context.body.notes.map((n: { id: string }) => n.id).sort()).toEqual(["N1", "N3"]);
    expect(context.body.evidence.map((e: { ref: string }) => e.ref)).toContain("note:N1");

    const search = await call("/v1/search?q=condenser", { token: cast.dispatcher });
    expect(search.status).toBe(200);
    expect(search.body[0]).toMatchObject({ ref: "note:N1", kind: "note", jobId: "J1" });
  });
});

import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { putSettings } from "../helpers/settings";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

describe("copilot over REST", () => {
  it("answers from records the caller may read, citing them with verbatim quotes", async () => {
    const cast = await tenantWithCast("cop");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const res = await call("/v1/copilot/ask", { token: cast.technician, body: { question: "What was replaced on the condenser fan?" } });
    expect(res.status).toBe(200);
    expect(res.body.grounded).toBe(true);
    expect(res.body.citations[0]).toMatchObject({ ref: "note:N1", kind: "note", jobId: "J1" });
    expect("Replaced the condenser fan motor zzn1").toContain(res.body.citations[0].quote);
    expect(res.body.confidence).toBeGreaterThan(0);
    expect(res.body.confidence).toBeLessThanOrEqual(1);
    expect(res.body.threadId).toMatch(/^T-/);
    expect(res.body.messageId).toMatch(/^M-/);
    expect(res.body.usage).toMatchObject({ provider: "extractive", degraded: false });
  });

  it("says plainly that nothing supports an answer, with no citations, instead of inventing one", async () => {
    const cast = await tenantWithCast("cop2");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const res = await call("/v1/copilot/ask", { token: cast.dispatcher, body: { question: "Who won the world cup in 1998?" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ grounded: false, citations: [], confidence: 0 });
    expect(res.body.answer).toContain("could not find anything");
  });

  it("never cites what a technician cannot read, and answers 404 for a job they cannot see", async () => {
    const cast = await tenantWithCast("cop3");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    // The gate code is on J2, assigned to the other technician.
    const res = await call("/v1/copilot/ask", {
      token: cast.technician,
      body: { question: "What is the gate code for the rooftop access?" },
    });
    expect(res.status).toBe(200);
    for (const citation of res.body.citations) expect(["J1", null]).toContain(citation.jobId);
    expect(res.text).not.toContain("4411");
    const hidden = await call("/v1/copilot/ask", { token: cast.technician, body: { question: "gate code?", jobId: "J2" } });
    expect(hidden.status).toBe(404);
    const other = await call("/v1/copilot/ask", {
      token: cast.otherTechnician,
      body: { question: "What is the gate code for the rooftop access?" },
    });
    expect(other.body.grounded).toBe(true);
    expect(other.text).toContain("4411");
  });

  it("keeps threads per owner, one row per message, and only metadata in metadata-only mode", async () => {
    const cast = await tenantWithCast("cop4");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const first = await call("/v1/copilot/ask", { token: cast.technician, body: { question: "condenser fan motor?" } });
    const second = await call("/v1/copilot/ask", {
      token: cast.technician,
      body: { question: "bakery back door?", threadId: first.body.threadId },
    });
    expect(second.body.threadId).toBe(first.body.threadId);
    const thread = await call(`/v1/copilot/threads/${first.body.threadId}`, { token: cast.technician });
    expect(thread.status).toBe(200);
    expect(thread.body.messageList.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(thread.body.messageList[0].content).toBe("condenser fan motor?");
    // Another user (even an admin) does not see it.
    expect((await call(`/v1/copilot/threads/${first.body.threadId}`, { token: cast.admin })).status).toBe(404);
    expect((await call("/v1/copilot/ask", { token: cast.admin, body: { question: "x y", threadId: first.body.threadId } })).status).toBe(
      404,
    );
    expect((await call("/v1/copilot/threads", { token: cast.technician })).body.threads).toHaveLength(1);

    expect((await putSettings(cast.admin, cast.tenantId, { dataMode: "metadata-only" })).dataMode).toBe("metadata-only");
    const meta = await call("/v1/copilot/ask", { token: cast.dispatcher, body: { question: "condenser fan motor?" } });
    const stored = await call(`/v1/copilot/threads/${meta.body.threadId}`, { token: cast.dispatcher });
    expect(stored.body.messageList.map((m: { content: string | null }) => m.content)).toEqual([null, null]);
    expect(stored.body.messageList[1].contentChars).toBe(meta.body.answer.length);
    expect(stored.body.messageList[1].citations.map((c: { ref: string }) => c.ref)).toEqual(
      meta.body.citations.map((c: { ref: string }) => c.ref),
    );
    expect(stored.text).not.toContain("condenser");
  });

  it("counts usage per day and provider for admins and auditors", async () => {
    const cast = await tenantWithCast("cop5");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    await call("/v1/copilot/ask", { token: cast.technician, body: { question: "condenser fan motor?" } });
    await call("/v1/copilot/ask", { token: cast.dispatcher, body: { question: "bakery back door?" } });
    const report = await call("/v1/admin/usage", { token: cast.auditor });
    expect(report.status).toBe(200);
    expect(report.body.days).toHaveLength(1);
    expect(report.body.days[0]).toMatchObject({ provider: "extractive", requests: 2 });
    expect(report.body.days[0].tokensIn).toBeGreaterThan(0);
    expect((await call("/v1/admin/usage", { token: cast.technician })).status).toBe(403);
  });

  it("validates questions (422) and refuses roles without copilot access", async () => {
    const cast = await tenantWithCast("cop6");
    for (const body of [
      {},
      { question: "" },
      { question: 42 },
      { question: "x".repeat(2001) },
      { question: "ok", extra: 1 },
      { question: "ok", threadId: "nope" },
    ]) {
      expect((await call("/v1/copilot/ask", { token: cast.dispatcher, body })).status).toBe(422);
    }
    expect((await call("/v1/copilot/ask", { token: cast.service, body: { question: "hello there" } })).status).toBe(403);
  });
});

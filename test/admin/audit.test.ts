import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { tamper } from "../helpers/storage";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

interface Entry {
  seq: number;
  action: string;
  outcome: string;
  reason: string | null;
  target: string | null;
  actor: string;
  prevHash: string;
  hash: string;
}

async function auditEntries(token: string): Promise<Entry[]> {
  const res = await call<{ entries: Entry[] }>("/v1/admin/audit?limit=500", { token });
  expect(res.status).toBe(200);
  return res.body.entries;
}

describe("audit log", () => {
  it("records provisioning, members, ingest, job changes, context reads and denied attempts, hash-chained", async () => {
    const cast = await tenantWithCast("audit");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    expect((await call("/v1/jobs/J1/context", { token: cast.technician })).status).toBe(200);
    expect((await call("/v1/jobs/J2/context", { token: cast.technician })).status).toBe(404);
    expect((await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { status: "in_progress" } })).status).toBe(200);
    expect((await call("/v1/jobs/J1", { method: "PATCH", token: cast.technician, body: { status: "completed" } })).status).toBe(403);

    const entries = await auditEntries(cast.admin);
    const actions = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions[0]).toBe("tenant.provision:ok");
    expect(actions.filter((a) => a === "member.upsert:ok")).toHaveLength(6);
    expect(actions).toContain("ingest:ok");
    expect(actions).toContain("job.update:ok");
    const reads = entries.filter((e) => e.action === "context.read");
    expect(reads.map((e) => [e.target, e.outcome])).toEqual([
      ["job:J1", "ok"],
      ["job:J2", "denied"],
    ]);
    expect(reads[1]?.reason).toBe("job not visible to caller");
    const forbidden = entries.find((e) => e.action === "jobs.write" && e.outcome === "denied");
    expect(forbidden?.reason).toBe("role technician may not jobs.write");

    // The chain: contiguous seqs, each entry links to the previous hash.
    entries.forEach((e, i) => {
      expect(e.seq).toBe(i + 1);
      if (i > 0) expect(e.prevHash).toBe(entries[i - 1]?.hash);
    });
    const verify = await call("/v1/admin/audit/verify", { token: cast.auditor });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({
      valid: true,
      entries: entries.length,
      head: entries[entries.length - 1]?.hash,
      firstInvalidSeq: null,
    });
  });

  it("pages with after/limit", async () => {
    const cast = await tenantWithCast("auditpage");
    const first = await call<{ entries: Entry[]; nextAfter: number }>("/v1/admin/audit?limit=3", { token: cast.admin });
    expect(first.body.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first.body.nextAfter).toBe(3);
    const second = await call<{ entries: Entry[]; nextAfter: number | null }>(`/v1/admin/audit?after=3&limit=100`, { token: cast.admin });
    expect(second.body.entries[0]?.seq).toBe(4);
    expect(second.body.nextAfter).toBeNull();
  });

  it("filters by actor (principal or subject), action and time, paging through matches", async () => {
    const cast = await tenantWithCast("auditf");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    for (let i = 0; i < 3; i++) expect((await call("/v1/jobs/J1/context", { token: cast.technician })).status).toBe(200);
    const all = await auditEntries(cast.admin);
    const tech = all.find((e) => e.actor.endsWith(`|${cast.subjects.technician}`))?.actor ?? "";
    const page = async (q: string) =>
      (await call<{ entries: Entry[]; nextAfter: number | null }>(`/v1/admin/audit?${q}`, { token: cast.auditor })).body;
    const bySubject = await page(`actor=${encodeURIComponent(cast.subjects.technician)}`);
    expect(bySubject.entries.map((e) => e.actor)).toEqual([tech, tech, tech]);
    expect((await page(`actor=${encodeURIComponent(tech)}&action=context.read`)).entries).toHaveLength(3);
    expect((await page(`action=ingest`)).entries.map((e) => e.action)).toEqual(["ingest"]);
    const first = await page(`action=context.read&limit=2`);
    expect(first.entries).toHaveLength(2);
    expect((await page(`action=context.read&limit=2&after=${first.nextAfter}`)).entries).toHaveLength(1);
    expect((await page(`since=2999-01-01T00:00:00Z`)).entries).toEqual([]);
    // A subject that is only a suffix of another actor's subject matches nothing.
    expect((await page(`actor=${encodeURIComponent(cast.subjects.technician.slice(2))}`)).entries).toEqual([]);
    for (const q of ["action=DROP%20TABLE", "since=yesterday", "limit=0", "actor="]) {
      expect((await call(`/v1/admin/audit?${q}`, { token: cast.auditor })).status, q).toBe(422);
    }
  });

  it("is readable by admin and auditor only", async () => {
    const cast = await tenantWithCast("auditroles");
    for (const token of [cast.dispatcher, cast.technician, cast.service]) {
      const res = await call("/v1/admin/audit", { token });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("forbidden");
      expect((await call("/v1/admin/audit/verify", { token })).status).toBe(403);
    }
  });

  it("detects a modified entry", async () => {
    const cast = await tenantWithCast("tamper1");
    await tamper(cast.tenantId, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3");
    const verify = await call("/v1/admin/audit/verify", { token: cast.admin });
    expect(verify.body).toMatchObject({ valid: false, firstInvalidSeq: 3, problem: "entry 3 was modified" });
  });

  it("detects a deleted entry", async () => {
    const cast = await tenantWithCast("tamper2");
    await tamper(cast.tenantId, "DELETE FROM audit_log WHERE seq = 2");
    const verify = await call("/v1/admin/audit/verify", { token: cast.admin });
    expect(verify.body).toMatchObject({ valid: false, firstInvalidSeq: 3, problem: "entry 2 is missing (found 3)" });
  });

  it("detects reordered entries", async () => {
    const cast = await tenantWithCast("tamper3");
    // Swap the contents of entries 2 and 3 (keeping their seq numbers).
    await tamper(cast.tenantId, "UPDATE audit_log SET seq = -2 WHERE seq = 2");
    await tamper(cast.tenantId, "UPDATE audit_log SET seq = 2 WHERE seq = 3");
    await tamper(cast.tenantId, "UPDATE audit_log SET seq = 3 WHERE seq = -2");
    const verify = await call("/v1/admin/audit/verify", { token: cast.admin });
    expect(verify.body.valid).toBe(false);
    expect(verify.body.firstInvalidSeq).toBe(2);
  });

  it("detects a rewritten hash that no longer links", async () => {
    const cast = await tenantWithCast("tamper4");
    await tamper(cast.tenantId, "UPDATE audit_log SET hash = ? WHERE seq = 2", "f".repeat(64));
    const verify = await call("/v1/admin/audit/verify", { token: cast.admin });
    expect(verify.body).toMatchObject({ valid: false, firstInvalidSeq: 2 });
  });
});

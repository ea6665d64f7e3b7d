import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { setTenantObjectEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { tamper, tenantObject } from "../helpers/storage";
import { basicData, ingestAs, operatorToken, tenantWithCast, type Cast } from "../helpers/world";

/** Background work driven by the tenant's alarm: reindex, retention purge, key re-encryption, audit anchoring. */

/** Runs the tenant's alarm until the queue is empty (each run is one bounded step). */
async function drain(tenantId: string, maxRuns = 50): Promise<number> {
  let runs = 0;
  for (; runs < maxRuns; runs++) {
    const pending = await runInDurableObject(tenantObject(tenantId), async (_i, state) => {
      return state.storage.sql.exec(`SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')`).one().n as number;
    });
    if (pending === 0) return runs;
    // The alarm is set for now: run it (once more if a step backed off).
    if (!(await runDurableObjectAlarm(tenantObject(tenantId)))) {
      await runInDurableObject(tenantObject(tenantId), async (instance) => (instance as unknown as { onAlarm(): Promise<void> }).onAlarm());
    }
  }
  return runs;
}

async function populated(prefix: string): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  return cast;
}

describe("reindex", () => {
  it("rebuilds a damaged index in the background, with progress and coverage through the API", async () => {
    const cast = await populated("reidx");
    const before = expectOk(await call("/v1/admin/index/coverage", { token: cast.auditor }));
    expect(before.coverage).toBe(1);
    // Damage the index behind the object's back: notes vanish from search.
    await tamper(cast.tenantId, `DELETE FROM search_fts WHERE kind = 'note'`);
    await tamper(
      cast.tenantId,
      `INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at) VALUES (99999 * 8 + 2, 'ghost', 'j1', 'note', 'GHOST', NULL, NULL)`,
    );
    const damaged = expectOk(await call("/v1/admin/index/coverage", { token: cast.admin }));
    expect(damaged.coverage).toBeLessThan(1);
    expect(expectOk(await call("/v1/search?q=ghost", { token: cast.dispatcher })).length).toBe(1);

    const res = await call("/v1/admin/reindex", { method: "POST", token: cast.admin });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ kind: "reindex", status: "queued" });
    expect(res.headers.get("location")).toBe(`/v1/admin/tasks/${res.body.id}`);
    // Asking again while it waits is the same task.
    expect((await call("/v1/admin/reindex", { method: "POST", token: cast.admin })).body.id).toBe(res.body.id);

    expect(await drain(cast.tenantId)).toBeGreaterThan(0);
    const task = expectOk(await call(`/v1/admin/tasks/${res.body.id}`, { token: cast.auditor }));
    expect(task).toMatchObject({ status: "done", progress: { done: before.records, total: before.records }, attempts: 0, error: null });
    expect(task.progress.note).toContain("1 orphan");
    const after = expectOk(await call("/v1/admin/index/coverage", { token: cast.admin }));
    expect(after).toMatchObject({ coverage: 1, records: before.records, indexed: before.records });
    expect(after.kinds).toEqual(before.kinds);
    expect(expectOk(await call("/v1/search?q=ghost", { token: cast.dispatcher })).length).toBe(0);
    expect(expectOk(await call("/v1/search?q=condenser", { token: cast.dispatcher })).length).toBeGreaterThan(0);
    // Audited, and only admins may ask.
    const actions = expectOk(await call("/v1/admin/audit?limit=500", { token: cast.admin })).entries.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toContain("reindex");
    expectProblem(await call("/v1/admin/reindex", { method: "POST", token: cast.auditor }), 403, "forbidden");
    expectProblem(await call("/v1/admin/tasks/task-nope", { token: cast.admin }), 404, "not_found");
  });

  it("an alarm run twice (at-least-once delivery) does no harm", async () => {
    const cast = await populated("reidx2");
    const queued = expectOk(await call("/v1/admin/reindex", { method: "POST", token: cast.admin }), 202);
    const stub = tenantObject(cast.tenantId);
    for (let i = 0; i < 3; i++) {
      await runInDurableObject(stub, async (instance) => (instance as unknown as { onAlarm(): Promise<void> }).onAlarm());
    }
    const task = expectOk(await call(`/v1/admin/tasks/${queued.id}`, { token: cast.admin }));
    expect(task.status).toBe("done");
    const coverage = expectOk(await call("/v1/admin/index/coverage", { token: cast.admin }));
    expect(coverage.kinds.every((k: { records: number; indexed: number }) => k.records === k.indexed)).toBe(true);
  });
});

describe("retention purge", () => {
  it("removes threads idle past the retention period and, in metadata-only mode, stored content", async () => {
    const cast = await populated("purge");
    const ask = async (token: string) => expectOk(await call("/v1/copilot/ask", { token, body: { question: "condenser fan motor?" } }));
    const old = await ask(cast.dispatcher);
    const fresh = await ask(cast.technician);
    // The dispatcher's thread was last touched 40 days ago.
    await tamper(cast.tenantId, `UPDATE chat_threads SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id = ?`, old.threadId);
    expectOk(
      await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: { chatRetentionDays: 30, dataMode: "metadata-only" } }),
    );
    await drain(cast.tenantId);
    expectProblem(await call(`/v1/copilot/threads/${old.threadId}`, { token: cast.dispatcher }), 404, "not_found");
    const kept = expectOk(await call(`/v1/copilot/threads/${fresh.threadId}`, { token: cast.technician }));
    expect(kept.messageList.length).toBe(2);
    // Metadata-only: content and quotes gone, sizes and refs kept.
    for (const m of kept.messageList) {
      expect(m.content).toBeNull();
      expect(m.contentChars).toBeGreaterThan(0);
      for (const cite of m.citations) expect(cite.quote).toBe("");
    }
    expect(kept.messageList.find((m: { role: string }) => m.role === "assistant").citations.length).toBe(fresh.citations.length);
  });
});

describe("key re-encryption", () => {
  it("seals stored keys under the new KEK after a rotation, and the copilot's key still opens", async () => {
    const cast = await populated("rekey");
    expect(
      (await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key: "sk-rotation-test-000000000000" } }))
        .status,
    ).toBe(201);
    // Rotation: v2 is current, v1 still decrypts (runbook step 2).
    const rotated = `v2:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))},v1:ycZBrG/MKJmiJpMLrMdIiYSF9unyuPuhXc9g4LBB1fU=`;
    await setTenantObjectEnv(cast.tenantId, { PROVIDER_KEY_KEKS: rotated } as EnvOverrides);
    const res = await call(`/v1/platform/tenants/${cast.tenantId}/reencrypt-keys`, { method: "POST", token: await operatorToken() });
    expect(res.status, res.text).toBe(202);
    await drain(cast.tenantId);
    const task = expectOk(await call(`/v1/admin/tasks/${res.body.id}`, { token: cast.admin }));
    expect(task).toMatchObject({ kind: "key-reencrypt", status: "done", progress: { done: 1 } });
    const keys = expectOk(await call("/v1/admin/provider-keys", { token: cast.admin })).keys;
    expect(keys).toEqual([expect.objectContaining({ provider: "openai", kekVersion: 2, mask: "sk-…0000" })]);
    // Runbook step 3: v1 dropped; the key still opens under v2.
    await setTenantObjectEnv(cast.tenantId, { PROVIDER_KEY_KEKS: rotated.split(",")[0] } as EnvOverrides);
    const opened = await runInDurableObject(tenantObject(cast.tenantId), async (instance) => {
      const { decryptSecret, parseKeyring } = await import("../../durable-objects/tenant/crypto/envelope");
      const row = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql.exec(`SELECT * FROM provider_keys`).one();
      return decryptSecret(
        parseKeyring(rotated.split(",")[0]),
        { kekVersion: row.kek_version as number, iv: row.iv as string, ciphertext: row.ciphertext as string },
        `${cast.tenantId}|openai`,
      );
    });
    expect(opened).toBe("sk-rotation-test-000000000000");
  });
});

describe("audit anchoring", () => {
  it("anchors the head outside the object, so a rewritten or truncated log fails verification", async () => {
    const cast = await populated("anchor");
    // Nothing anchored yet: verify says so.
    expect(expectOk(await call("/v1/admin/audit/verify", { token: cast.auditor })).anchor).toBeNull();
    await runInDurableObject(tenantObject(cast.tenantId), async (instance) =>
      (instance as unknown as { onAlarm(): Promise<void> }).onAlarm(),
    );
    const anchored = expectOk(await call("/v1/admin/audit/verify", { token: cast.auditor }));
    expect(anchored).toMatchObject({ valid: true, anchor: { matches: true } });
    const seq = anchored.anchor.seq as number;

    // A wholesale rewrite inside the object: every hash recomputed consistently still cannot match the anchor.
    // The first hex digit changes whatever it was (a fixed 'f' left 1 in 16 hashes as they were).
    await tamper(
      cast.tenantId,
      `UPDATE audit_log SET hash = (CASE substr(hash, 1, 1) WHEN 'f' THEN 'e' ELSE 'f' END) || substr(hash, 2) WHERE seq = ?`,
      seq,
    );
    const rewritten = expectOk(await call("/v1/admin/audit/verify", { token: cast.auditor }));
    expect(rewritten).toMatchObject({ valid: false, anchor: { seq, matches: false } });

    // Truncation: the anchored entry is gone.
    await tamper(cast.tenantId, `DELETE FROM audit_log WHERE seq >= ?`, seq);
    const truncated = expectOk(await call("/v1/admin/audit/verify", { token: cast.auditor }));
    expect(truncated).toMatchObject({ valid: false, anchor: { seq, matches: false } });
    expect(truncated.problem).toContain("rewritten or truncated");
  });
});

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Db } from "../../durable-objects/tenant/data/db";
import { appliedMigrations, migrate, MIGRATIONS, SCHEMA_VERSION } from "../../durable-objects/tenant/data/migrations";
import { tenantObject } from "../helpers/storage";
import { createTenant } from "../helpers/world";

describe("tenant migrations", () => {
  it("are recorded in the object and safe to re-run", async () => {
    const tenantId = await createTenant("mig");
    const result = await runInDurableObject(tenantObject(tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      const before = appliedMigrations(db);
      const rerun = migrate(db);
      return { before, rerun, after: appliedMigrations(db) };
    });
    expect(result.before.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(result.before.at(-1)?.version).toBe(SCHEMA_VERSION);
    expect(result.rerun).toBe(0);
    expect(result.after).toEqual(result.before);
  });

  it("keeps the full-text index current in the same transaction as the write", async () => {
    const tenantId = await createTenant("fts");
    const counts = await runInDurableObject(tenantObject(tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      const { ingestBatch } = await import("../../durable-objects/tenant/surfaces/ingest");
      const { searchIndex } = await import("../../durable-objects/tenant/data/search");
      const now = new Date().toISOString();
      ingestBatch(
        db,
        {
          clients: [{ id: "C1", name: "Client" }],
          properties: [{ id: "P1", clientId: "C1", address: "1 Main St" }],
          jobs: [{ id: "J1", clientId: "C1", propertyId: "P1", title: "Fix", status: "scheduled" }],
          notes: [{ id: "N1", jobId: "J1", body: "first" }],
          events: [{ id: "E1", jobId: "J1", type: "arrived", at: now }],
        },
        now,
      );
      const afterInsert = searchIndex.countByKind(db);
      ingestBatch(db, { notes: [{ id: "N1", jobId: "J1", body: "second" }] }, now);
      return { afterInsert, afterUpdate: searchIndex.countByKind(db) };
    });
    expect(counts.afterInsert).toEqual({ client: 1, property: 1, job: 1, note: 1, event: 1 });
    expect(counts.afterUpdate).toEqual(counts.afterInsert);
  });
});

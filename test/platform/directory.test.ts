import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Directory } from "../../durable-objects/directory/directory";
import { principalDirectory, registry } from "../../durable-objects/directory/stubs";
import { uniqueId } from "../helpers/world";

/**
 * The Directory parses what it is given, as every boundary does: a bad write throws and stores
 * nothing; a read of an id that cannot exist answers "none". (The throwing calls run inside the
 * object, so the test sees the rejection itself rather than an RPC error report.)
 */
const BAD = "Not An Id!";

describe("directory inputs", () => {
  it("refuses malformed tenants, receipts and anchors, and stores nothing", async () => {
    const id = uniqueId("dirin");
    await runInDurableObject(registry(env), async (instance: Directory) => {
      await expect(
        instance.createTenant({ id: BAD, name: "x", region: "us", status: "active", createdAt: new Date().toISOString() }),
      ).rejects.toThrow();
      await expect(instance.anchorAudit(BAD, { seq: 1, hash: "0".repeat(64), at: new Date().toISOString() })).rejects.toThrow();
      await expect(
        instance.recordDeletion({ tenantId: id, region: "mars" as "us", deletedAt: "x", deletedBy: "t", counts: {}, auditHead: "" }),
      ).rejects.toThrow();
      await expect(instance.setTenantStatus(id, "gone" as "active")).resolves.toBeNull();
    });
    const reg = registry(env);
    expect(await reg.getTenant(BAD)).toBeNull();
    expect((await reg.listTenants()).some((t) => t.id === BAD || t.id === id)).toBe(false);
    expect(await reg.auditAnchor(BAD)).toBeNull();
    expect(await reg.getReceipt(id)).toBeNull();
  });

  it("refuses malformed memberships, and takes good ones", async () => {
    const id = uniqueId("dirm");
    const shard = principalDirectory(env, { issuer: "https://issuer.test", subject: uniqueId("dirsub") });
    await runInDurableObject(shard, async (instance: Directory) => {
      await expect(instance.putMembership({ tenantId: BAD, role: "admin", region: "us", tenantName: "x" })).rejects.toThrow();
      await expect(instance.putMembership({ tenantId: id, role: "root" as "admin", region: "us", tenantName: "x" })).rejects.toThrow();
      await expect(instance.removeMembership(BAD)).rejects.toThrow();
    });
    expect(await shard.memberships()).toEqual([]);
    await shard.putMembership({ tenantId: id, role: "admin", region: "us", tenantName: "x" });
    expect(await shard.memberships()).toEqual([{ tenantId: id, role: "admin", region: "us", tenantName: "x" }]);
  });
});

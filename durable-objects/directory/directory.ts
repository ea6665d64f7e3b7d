import { DurableObject } from "cloudflare:workers";
import { AuditAnchor } from "../../schemas/audit";
import { TenantId } from "../../schemas/common";
import { Membership } from "../../schemas/identity";
import { DeletionReceipt, Tenant, TenantStatus } from "../../schemas/tenants";

/**
 * The directory: an index the router needs before it knows which tenant object to call.
 * Never the authority on access (the tenant object is). Two kinds of instance, by name:
 *   - `registry`: the list of tenants (Durable Objects cannot be listed) and deletion receipts;
 *     touched only by platform operations.
 *   - `principal:<issuer>|<subject>`: one small object per identity holding its memberships, so
 *     lookups spread over many objects instead of one global hot spot; the router caches them
 *     in the isolate. Callers reach the instances through stubs.ts. Choice and numbers: docs/decisions.md.
 * It uses the Durable Object key-value API (no SQL: SQL lives only in the tenant object's
 * data-access modules). Every input is parsed with zod (a write with a bad input throws, a read
 * of an id that cannot exist answers "none"), and so is every value read back.
 */
const TENANT_PREFIX = "tenant:";
const RECEIPT_PREFIX = "receipt:";
const MEMBERSHIP_PREFIX = "membership:";
const ANCHOR_PREFIX = "anchor:";

export class Directory extends DurableObject<Env> {
  // ---- registry

  /** False when the id is taken, now or by a deleted tenant (ids are never reused). */
  async createTenant(input: Tenant): Promise<boolean> {
    const tenant = Tenant.parse(input);
    const key = TENANT_PREFIX + tenant.id;
    if ((await this.ctx.storage.get(key)) !== undefined || (await this.ctx.storage.get(RECEIPT_PREFIX + tenant.id)) !== undefined)
      return false;
    await this.ctx.storage.put(key, tenant);
    return true;
  }

  async getTenant(id: string): Promise<Tenant | null> {
    if (!TenantId.safeParse(id).success) return null;
    const parsed = Tenant.safeParse(await this.ctx.storage.get(TENANT_PREFIX + id));
    return parsed.success ? parsed.data : null;
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.ctx.storage.list({ prefix: TENANT_PREFIX, limit: 10_000 });
    return [...rows.values()].flatMap((v) => {
      const parsed = Tenant.safeParse(v);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async setTenantStatus(id: string, status: TenantStatus): Promise<Tenant | null> {
    const tenant = await this.getTenant(TenantId.parse(id));
    if (!tenant) return null;
    const next = { ...tenant, status: TenantStatus.parse(status) };
    await this.ctx.storage.put(TENANT_PREFIX + id, next);
    return next;
  }

  /** Removes the tenant from the registry and keeps the platform-level receipt. */
  async recordDeletion(input: DeletionReceipt): Promise<void> {
    const receipt = DeletionReceipt.parse(input);
    await this.ctx.storage.put(RECEIPT_PREFIX + receipt.tenantId, receipt);
    await this.ctx.storage.delete(TENANT_PREFIX + receipt.tenantId);
  }

  async getReceipt(id: string): Promise<DeletionReceipt | null> {
    if (!TenantId.safeParse(id).success) return null;
    const parsed = DeletionReceipt.safeParse(await this.ctx.storage.get(RECEIPT_PREFIX + id));
    return parsed.success ? parsed.data : null;
  }

  /**
   * A tenant's audit head, kept outside its object so a rewrite inside the object is detectable.
   * Only moves forward: an anchor lower than the one held (a truncated log, or a late report) is
   * not taken, and the call says so.
   */
  async anchorAudit(tenantId: string, anchor: AuditAnchor): Promise<"anchored" | "behind"> {
    const id = TenantId.parse(tenantId);
    const next = AuditAnchor.parse(anchor);
    const held = await this.auditAnchor(id);
    if (held && held.seq > next.seq) return "behind";
    await this.ctx.storage.put(ANCHOR_PREFIX + id, next);
    return "anchored";
  }

  async auditAnchor(tenantId: string): Promise<AuditAnchor | null> {
    if (!TenantId.safeParse(tenantId).success) return null;
    const parsed = AuditAnchor.safeParse(await this.ctx.storage.get(ANCHOR_PREFIX + tenantId));
    return parsed.success ? parsed.data : null;
  }

  // ---- per-principal memberships

  async memberships(): Promise<Membership[]> {
    const rows = await this.ctx.storage.list({ prefix: MEMBERSHIP_PREFIX, limit: 1_000 });
    return [...rows.values()].flatMap((v) => {
      const parsed = Membership.safeParse(v);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async putMembership(input: Membership): Promise<void> {
    const m = Membership.parse(input);
    await this.ctx.storage.put(MEMBERSHIP_PREFIX + m.tenantId, m);
  }

  async removeMembership(tenantId: string): Promise<void> {
    await this.ctx.storage.delete(MEMBERSHIP_PREFIX + TenantId.parse(tenantId));
  }

  async ping(): Promise<"pong"> {
    return "pong";
  }
}

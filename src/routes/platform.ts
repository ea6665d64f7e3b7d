import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { registry } from "../../durable-objects/directory/stubs";
import { MemberList, Task } from "../../schemas/admin";
import { TenantId } from "../../schemas/common";
import { AppError } from "../../schemas/errors";
import { Member } from "../../schemas/identity";
import {
  DeletionReceipt,
  PlatformMemberCreate,
  RestoreReceipt,
  RestoreRequest,
  Tenant,
  TenantCreate,
  TenantList,
  type DeletionSummary,
} from "../../schemas/tenants";
import type { AppEnv } from "../env";
import { actorOf, callTenant, registeredTenant } from "../tenancy/call";
import { listMembership, unlistMembership } from "../tenancy/directory";
import { withRetry } from "../tenancy/retry";
import { json, jsonBody, platformRoute, PROBLEMS } from "./shared";

/**
 * `/v1/platform/…`: platform operations (operators from PLATFORM_ADMIN_SUBJECTS only; enforced by
 * middleware in app.ts). The registry lists tenants; each tenant object records its own side of
 * every change in its audit log. Operators are not tenant members and get no tenant data from here.
 */
const TenantParams = z.object({ tenantId: TenantId.openapi({ param: { name: "tenantId", in: "path" } }) });

export const platformRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants",
      operationId: "createTenant",
      tags: ["platform"],
      summary: "Create a tenant",
      request: { body: jsonBody(TenantCreate) },
      responses: { 201: json(Tenant, "Created"), 409: PROBLEMS[409] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const id = body.id ?? `t-${crypto.randomUUID().slice(0, 8)}`;
      const tenant = { id, name: body.name, region: body.region, status: "active" as const, createdAt: new Date().toISOString() };
      c.set("tenantId", id);
      const created = await withRetry(() => registry(c.env).createTenant(tenant), false);
      if (!created) throw new AppError("tenant_exists", `tenant ${id} already exists (or was deleted; ids are not reused)`);
      try {
        const provisioned = await callTenant<Tenant>(c, (stub) => stub.provision({ ...body, id }, actorOf(c), c.get("requestId")), {
          idempotent: false,
          tenant: { tenantId: id, region: body.region },
        });
        return c.json(provisioned, 201);
      } catch (error) {
        // Compensate: a registry entry without a provisioned object would be a dangling tenant.
        await registry(c.env)
          .recordDeletion({
            tenantId: id,
            region: body.region,
            deletedAt: new Date().toISOString(),
            deletedBy: "provisioning-failed",
            counts: {},
            auditHead: "",
          })
          .catch(() => {});
        throw error;
      }
    },
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/platform/tenants",
      operationId: "listTenants",
      tags: ["platform"],
      summary: "List tenants (the registry)",
      responses: { 200: json(TenantList, "All tenants") },
    }),
    async (c) => c.json({ tenants: await withRetry(() => registry(c.env).listTenants(), true) }, 200),
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/platform/tenants/{tenantId}/members",
      operationId: "listTenantMembers",
      tags: ["platform"],
      summary: "List a tenant's members (identities and roles; no tenant records)",
      request: { params: TenantParams },
      responses: { 200: json(MemberList, "The tenant's members") },
    }),
    async (c) => {
      const tenant = await registeredTenant(c, c.req.valid("param").tenantId);
      const list = await callTenant<MemberList>(c, (stub) => stub.platformListMembers(), { idempotent: true, tenant: toTarget(tenant) });
      return c.json(list, 200);
    },
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/members",
      operationId: "upsertTenantMember",
      tags: ["platform"],
      summary: "Add a member to a tenant (201), or change an existing member's role (200)",
      request: { params: TenantParams, body: jsonBody(PlatformMemberCreate) },
      responses: { 201: json(Member, "Member added"), 200: json(Member, "Existing member updated or unchanged") },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenant = await registeredTenant(c, tenantId);
      // The tenant object (the authority) first, then the directory index that routes to it.
      const issuer = body.issuer ?? c.get("config").defaultIssuer;
      const input = { issuer, subject: body.subject, role: body.role, ...(body.email === undefined ? {} : { email: body.email }) };
      const { member, outcome } = await callTenant<{ member: Member; outcome: "inserted" | "updated" | "unchanged" }>(
        c,
        (stub) => stub.platformUpsertMember(input, actorOf(c), c.get("requestId")),
        { idempotent: false, tenant: toTarget(tenant) },
      );
      await listMembership(
        c.env,
        { issuer, subject: body.subject },
        { tenantId, role: body.role, region: tenant.region, tenantName: tenant.name },
      );
      return c.json(member, outcome === "inserted" ? 201 : 200);
    },
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/reencrypt-keys",
      operationId: "reencryptTenantKeys",
      tags: ["platform"],
      summary: "Queue re-encryption of the tenant's provider keys under the current KEK (after a rotation; docs/runbook.md)",
      request: { params: TenantParams },
      responses: { 202: json(Task, "Queued"), 429: PROBLEMS[429] },
    }),
    async (c) => {
      const tenant = await registeredTenant(c, c.req.valid("param").tenantId);
      const task = await callTenant<Task>(c, (stub) => stub.requestKeyReencryption(actorOf(c), c.get("requestId")), {
        idempotent: false,
        tenant: toTarget(tenant),
      });
      return c.json(task, 202);
    },
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/restore",
      operationId: "restoreTenant",
      tags: ["platform"],
      summary:
        "Restore a tenant's object to a point in time in the last 30 days (Durable Object SQLite PITR); the receipt holds the undo bookmark",
      request: { params: TenantParams, body: jsonBody(RestoreRequest) },
      responses: {
        200: json(RestoreReceipt, "Restore scheduled: the object restarts at that point"),
        503: {
          ...PROBLEMS[503],
          description: "Point-in-time recovery is not available on this runtime (local workerd), or the deployment is misconfigured",
        },
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenant = await registeredTenant(c, c.req.valid("param").tenantId);
      const receipt = await callTenant<RestoreReceipt>(c, (stub) => stub.restoreTo(body, actorOf(c)), {
        idempotent: false,
        tenant: toTarget(tenant),
      });
      return c.json(receipt, 200);
    },
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/suspend",
      operationId: "suspendTenant",
      tags: ["platform"],
      summary: "Suspend a tenant (its members get 403 tenant_suspended)",
      request: { params: TenantParams },
      responses: { 200: json(Tenant, "Suspended") },
    }),
    async (c) => c.json(await setStatus(c, c.req.valid("param").tenantId, "suspended"), 200),
  )
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/resume",
      operationId: "resumeTenant",
      tags: ["platform"],
      summary: "Resume a suspended tenant",
      request: { params: TenantParams },
      responses: { 200: json(Tenant, "Active") },
    }),
    async (c) => c.json(await setStatus(c, c.req.valid("param").tenantId, "active"), 200),
  )
  .openapi(
    platformRoute({
      method: "delete",
      path: "/v1/platform/tenants/{tenantId}",
      operationId: "deleteTenant",
      tags: ["platform"],
      summary: "Delete a tenant: wipes its object's storage and directory entries, returns a receipt (idempotent)",
      request: { params: TenantParams },
      responses: { 200: json(DeletionReceipt, "Deleted") },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      c.set("tenantId", tenantId);
      const destroy = (region: Tenant["region"]) =>
        callTenant<{ wiped: boolean }>(c, (stub) => stub.destroy(), { idempotent: true, tenant: { tenantId, region } });
      const tenant = await withRetry(() => registry(c.env).getTenant(tenantId), true);
      if (!tenant) {
        // Already deleted: finish a wipe that a failure may have interrupted, answer the same receipt.
        const receipt = await withRetry(() => registry(c.env).getReceipt(tenantId), true);
        if (!receipt) throw new AppError("not_found", `tenant ${tenantId} not found`);
        await destroy(receipt.region);
        return c.json(receipt, 200);
      }
      // Each step is safe to repeat: suspend and summarise, unlist members, record the receipt, wipe.
      const summary = await callTenant<DeletionSummary>(c, (stub) => stub.prepareDeletion(actorOf(c), c.get("requestId")), {
        idempotent: false,
        tenant: toTarget(tenant),
      });
      for (const m of summary.members) await unlistMembership(c.env, m, tenantId);
      const receipt = {
        tenantId,
        region: tenant.region,
        deletedAt: new Date().toISOString(),
        deletedBy: actorOf(c),
        counts: summary.counts,
        auditHead: summary.auditHead,
      };
      await withRetry(() => registry(c.env).recordDeletion(receipt), true);
      await destroy(tenant.region);
      return c.json(receipt, 200);
    },
  );

const toTarget = (tenant: Tenant) => ({ tenantId: tenant.id, region: tenant.region });

async function setStatus(c: Context<AppEnv>, tenantId: string, status: "active" | "suspended"): Promise<Tenant> {
  const tenant = await registeredTenant(c, tenantId);
  const updated = await callTenant<Tenant>(c, (stub) => stub.setStatus(status, actorOf(c), c.get("requestId")), {
    idempotent: false,
    tenant: toTarget(tenant),
  });
  await withRetry(() => registry(c.env).setTenantStatus(tenantId, status), true);
  return updated;
}

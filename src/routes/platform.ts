import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { TenantId } from "../../schemas/common";
import { Member } from "../../schemas/identity";
import {
  DeletionReceipt,
  PlatformMemberCreate,
  RestoreReceipt,
  RestoreRequest,
  Tenant,
  TenantCreate,
  TenantList,
} from "../../schemas/tenants";
import { Task } from "../../schemas/admin";
import type { AppEnv } from "../env";
import { AppError } from "../../schemas/errors";
import { registry } from "../../durable-objects/directory/stubs";
import { listMembership, tenantStub, unlistMembership, unwrap, withRetry } from "../tenancy/tenants";
import { BODY_PROBLEMS, json, jsonBody, PROBLEMS, SECURITY } from "./shared";

/**
 * Platform operations (operators from PLATFORM_ADMIN_SUBJECTS only; enforced by middleware in
 * app.ts). The registry lists tenants; each tenant object records its own side of every change
 * in its audit log. Operators are not tenant members and get no tenant data from here.
 */
const TenantParams = z.object({ tenantId: TenantId.openapi({ param: { name: "tenantId", in: "path" } }) });
const actorOf = (c: Context<AppEnv>) => `${c.get("principal").issuer}|${c.get("principal").subject}`;

async function registeredTenant(env: Env, tenantId: string) {
  const tenant = await withRetry(() => registry(env).getTenant(tenantId), true);
  if (!tenant) throw new AppError("not_found", `tenant ${tenantId} not found`);
  return tenant;
}

export const platformRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/tenants",
      tags: ["platform"],
      security: SECURITY,
      summary: "Create a tenant",
      request: { body: jsonBody(TenantCreate) },
      responses: {
        201: json(Tenant, "Created"),
        409: PROBLEMS[409],
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const id = body.id ?? `t-${crypto.randomUUID().slice(0, 8)}`;
      const tenant = { id, name: body.name, region: body.region, status: "active" as const, createdAt: new Date().toISOString() };
      c.set("tenantId", id);
      const created = await withRetry(() => registry(c.env).createTenant(tenant), false);
      if (!created) throw new AppError("tenant_exists", `tenant ${id} already exists (or was deleted; ids are not reused)`);
      try {
        const provisioned = unwrap(c, await tenantStub(c.env, id, body.region).provision({ ...body, id }, actorOf(c), c.get("requestId")));
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
    createRoute({
      method: "get",
      path: "/v1/platform/tenants",
      tags: ["platform"],
      security: SECURITY,
      summary: "List tenants (the registry)",
      responses: { 200: json(TenantList, "All tenants"), 401: PROBLEMS[401], 403: PROBLEMS[403] },
    }),
    async (c) => c.json({ tenants: await withRetry(() => registry(c.env).listTenants(), true) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/members",
      tags: ["platform"],
      security: SECURITY,
      summary: "Add a member to a tenant (201), or change an existing member's role (200)",
      request: { params: TenantParams, body: jsonBody(PlatformMemberCreate) },
      responses: {
        201: json(Member, "Member added"),
        200: json(Member, "Existing member updated or unchanged"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
      },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenant = await registeredTenant(c.env, tenantId);
      const issuer = body.issuer ?? c.get("config").defaultIssuer;
      c.set("tenantId", tenantId);
      // The tenant object (the authority) first, then the directory index that routes to it.
      const { member, outcome } = unwrap(
        c,
        await tenantStub(c.env, tenantId, tenant.region).platformUpsertMember(
          { issuer, subject: body.subject, role: body.role, ...(body.email === undefined ? {} : { email: body.email }) },
          actorOf(c),
          c.get("requestId"),
        ),
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
    createRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/reencrypt-keys",
      tags: ["platform"],
      security: SECURITY,
      summary: "Queue re-encryption of the tenant's provider keys under the current KEK (after a rotation; docs/runbook.md)",
      request: { params: TenantParams },
      responses: { 202: json(Task, "Queued"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const tenant = await registeredTenant(c.env, tenantId);
      c.set("tenantId", tenantId);
      const task = unwrap(c, await tenantStub(c.env, tenantId, tenant.region).requestKeyReencryption(actorOf(c), c.get("requestId")));
      return c.json(task, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/restore",
      tags: ["platform"],
      security: SECURITY,
      summary:
        "Restore a tenant's object to a point in time in the last 30 days (Durable Object SQLite PITR); the receipt holds the undo bookmark",
      request: { params: TenantParams, body: jsonBody(RestoreRequest) },
      responses: {
        200: json(RestoreReceipt, "Restore scheduled: the object restarts at that point"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        503: { description: "Point-in-time recovery is not available on this runtime (local workerd)" },
      },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenant = await registeredTenant(c.env, tenantId);
      c.set("tenantId", tenantId);
      const receipt = unwrap(c, await tenantStub(c.env, tenantId, tenant.region).restoreTo(body, actorOf(c)));
      return c.json(receipt, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/suspend",
      tags: ["platform"],
      security: SECURITY,
      summary: "Suspend a tenant (its members get 403 tenant_suspended)",
      request: { params: TenantParams },
      responses: { 200: json(Tenant, "Suspended"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404] },
    }),
    async (c) => c.json(await setStatus(c, c.req.valid("param").tenantId, "suspended"), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/tenants/{tenantId}/resume",
      tags: ["platform"],
      security: SECURITY,
      summary: "Resume a suspended tenant",
      request: { params: TenantParams },
      responses: { 200: json(Tenant, "Active"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404] },
    }),
    async (c) => c.json(await setStatus(c, c.req.valid("param").tenantId, "active"), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/platform/tenants/{tenantId}",
      tags: ["platform"],
      security: SECURITY,
      summary: "Delete a tenant: wipes its object's storage and directory entries, returns a receipt (idempotent)",
      request: { params: TenantParams },
      responses: { 200: json(DeletionReceipt, "Deleted"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404] },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      c.set("tenantId", tenantId);
      const tenant = await withRetry(() => registry(c.env).getTenant(tenantId), true);
      if (!tenant) {
        // Already deleted: finish a wipe that a failure may have interrupted, answer the same receipt.
        const receipt = await withRetry(() => registry(c.env).getReceipt(tenantId), true);
        if (!receipt) throw new AppError("not_found", `tenant ${tenantId} not found`);
        unwrap(c, await tenantStub(c.env, tenantId, receipt.region).destroy());
        return c.json(receipt, 200);
      }
      // Each step is safe to repeat: suspend and summarise, unlist members, record the receipt, wipe.
      const stub = tenantStub(c.env, tenantId, tenant.region);
      const summary = unwrap(c, await stub.prepareDeletion(actorOf(c), c.get("requestId")));
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
      unwrap(c, await tenantStub(c.env, tenantId, tenant.region).destroy());
      return c.json(receipt, 200);
    },
  );

async function setStatus(c: Context<AppEnv>, tenantId: string, status: "active" | "suspended") {
  const tenant = await registeredTenant(c.env, tenantId);
  c.set("tenantId", tenantId);
  const updated = unwrap(c, await tenantStub(c.env, tenantId, tenant.region).setStatus(status, actorOf(c), c.get("requestId")));
  await withRetry(() => registry(c.env).setTenantStatus(tenantId, status), true);
  return updated;
}

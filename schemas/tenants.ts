import { z } from "@hono/zod-openapi";
import { Region, Role, TenantId, UserId } from "./common";

export const TenantStatus = z.enum(["active", "suspended"]);
export type TenantStatus = z.infer<typeof TenantStatus>;

export const TenantCreate = z
  .strictObject({
    id: TenantId.optional(),
    name: z.string().min(1).max(200),
    region: Region,
  })
  .openapi("TenantCreate");
export type TenantCreate = z.infer<typeof TenantCreate>;

export const Tenant = z
  .object({
    id: TenantId,
    name: z.string(),
    region: Region,
    status: TenantStatus,
    createdAt: z.string(),
  })
  .openapi("Tenant");
export type Tenant = z.infer<typeof Tenant>;

export const TenantList = z.object({ tenants: z.array(Tenant) }).openapi("TenantList");

export const PlatformMemberCreate = z
  .strictObject({
    subject: UserId,
    role: Role,
    email: z.email().max(320).optional(),
    /** Which identity provider's subject this is; defaults to the deployment's primary issuer. */
    issuer: z.string().min(1).max(512).optional(),
  })
  .openapi("PlatformMemberCreate");
export type PlatformMemberCreate = z.infer<typeof PlatformMemberCreate>;

export const DeletionReceipt = z
  .object({
    tenantId: TenantId,
    deletedAt: z.string(),
    deletedBy: z.string(),
    counts: z.record(z.string(), z.number().int()),
    auditHead: z.string(),
  })
  .openapi("DeletionReceipt");
export type DeletionReceipt = z.infer<typeof DeletionReceipt>;

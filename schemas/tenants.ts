import { z } from "@hono/zod-openapi";
import { IsoDateTime, Region, Role, TenantId, UserId } from "./common";

export const TenantStatus = z.enum(["active", "suspended"]);
export type TenantStatus = z.infer<typeof TenantStatus>;

export const TenantCreate = z
  .strictObject({
    id: TenantId.optional(),
    name: z.string().min(1).max(200),
    region: Region,
  })
  .openapi("TenantCreate", { example: { id: "example-tenant", name: "Example Heating & Cooling", region: "us" } });
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
  .openapi("PlatformMemberCreate", { example: { subject: "alice.admin", role: "admin" } });
export type PlatformMemberCreate = z.infer<typeof PlatformMemberCreate>;

/** What the router hands a tenant object to provision it. */
export const TenantProvision = TenantCreate.extend({ id: TenantId });
export type TenantProvision = z.infer<typeof TenantProvision>;

/** A membership change as the tenant object (the authority) receives it. */
export const MemberUpsertInput = z.strictObject({
  issuer: z.string().min(1).max(512),
  subject: UserId,
  role: Role,
  email: z.string().max(320).optional(),
});
export type MemberUpsertInput = z.infer<typeof MemberUpsertInput>;

export const DeletionReceipt = z
  .object({
    tenantId: TenantId,
    region: Region,
    deletedAt: z.string(),
    deletedBy: z.string(),
    counts: z.record(z.string(), z.number().int()),
    auditHead: z.string(),
  })
  .openapi("DeletionReceipt");
export type DeletionReceipt = z.infer<typeof DeletionReceipt>;

/** Durable Object SQLite keeps 30 days of history: a restore point must fall inside it. */
export const PITR_WINDOW_DAYS = 30;

/** A time in the last 30 days, or a bookmark (a receipt's `undoBookmark` undoes an earlier restore). */
export const RestoreRequest = z
  .strictObject({
    at: IsoDateTime.optional(),
    bookmark: z
      .string()
      .regex(/^[0-9a-f-]{16,128}$/)
      .optional(),
  })
  .refine((r) => (r.at === undefined) !== (r.bookmark === undefined), { message: "give exactly one of at, bookmark" })
  .openapi("RestoreRequest", {
    description: "Exactly one of `at` (a time in the last 30 days) or `bookmark` (a receipt's `undoBookmark`).",
    oneOf: [{ required: ["at"] }, { required: ["bookmark"] }],
    example: { at: "2026-11-16T12:00:00Z" },
  });
export type RestoreRequest = z.infer<typeof RestoreRequest>;

export const RestoreReceipt = z
  .object({
    tenantId: TenantId,
    at: z.string().nullable(),
    /** The bookmark restored to, and the one that undoes the restore (restore to it to go back). */
    bookmark: z.string(),
    undoBookmark: z.string(),
    requestedBy: z.string(),
    requestedAt: z.string(),
  })
  .openapi("RestoreReceipt");
export type RestoreReceipt = z.infer<typeof RestoreReceipt>;

/** What a tenant object reports before it is wiped: the receipt's content and whom to unlist. */
export interface DeletionSummary {
  counts: Record<string, number>;
  auditHead: string;
  members: { issuer: string; subject: string }[];
}

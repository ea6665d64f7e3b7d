import { z } from "@hono/zod-openapi";
import { Region, Role, TenantId, UserId } from "./common";

/**
 * What a dev-auth identity asserts about its role: the `x-user-role` header's role, taken as
 * given, or `member` when the header is absent: the tenant object then uses the member's own
 * role, else `technician` (the product contract's rule for dev auth).
 */
export const DevRole = z.union([Role, z.literal("member")]);
export type DevRole = z.infer<typeof DevRole>;

/** A verified identity as the router hands it to the actors. */
export const Principal = z.object({
  issuer: z.string().min(1).max(512),
  subject: UserId,
  email: z.string().max(320).nullable(),
  /** Set only for dev-auth identities (null for verified tokens): see DevRole. */
  devRole: DevRole.nullable(),
});
export type Principal = z.infer<typeof Principal>;

/**
 * An identity as one string, `issuer|subject`: the actor of audit entries, the owner of chat
 * threads and answers, the key of per-user rate limits and of the identity's directory instance.
 */
export const principalKey = (p: { issuer: string; subject: string }): string => `${p.issuer}|${p.subject}`;

/** What every tenant call carries: who is calling and the request being served. */
export const Caller = Principal.extend({ requestId: z.string().max(128) });
export type Caller = z.infer<typeof Caller>;

/** One row of an identity's memberships in the directory (an index, never the authority). */
export const Membership = z.object({ tenantId: TenantId, role: Role, region: Region, tenantName: z.string() }).openapi("Membership");
export type Membership = z.infer<typeof Membership>;

export const MemberStatus = z.enum(["active", "suspended"]);

export const Me = z
  .object({
    user: z.object({ issuer: z.string(), subject: z.string(), email: z.string().nullable() }),
    tenant: z.object({ id: z.string(), name: z.string(), region: Region, status: z.string() }).nullable(),
    role: Role.nullable(),
    platformOperator: z.boolean(),
    memberships: z.array(Membership),
  })
  .openapi("Me");
export type Me = z.infer<typeof Me>;

export const Member = z
  .object({
    issuer: z.string(),
    subject: z.string(),
    role: Role,
    status: MemberStatus,
    email: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Member");
export type Member = z.infer<typeof Member>;

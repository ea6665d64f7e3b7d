import { principalDirectory } from "../../durable-objects/directory/stubs";
import { principalKey, type Membership, type Principal } from "../../schemas/identity";
import { withRetry } from "./retry";

/**
 * The router's view of the directory: a principal's memberships (cached in the isolate for a
 * short TTL) and the writes that follow a membership change the tenant object (the authority)
 * made, each dropping this isolate's cached copy so it never serves its own stale entry.
 */
export const MEMBERSHIP_CACHE_TTL_MS = 30_000;
const MEMBERSHIP_CACHE_MAX = 10_000;
const membershipCache = new Map<string, { memberships: Membership[]; until: number }>();

/** Memberships of a principal: isolate cache first (short TTL), then its directory shard. */
export async function membershipsOf(env: Env, p: Principal): Promise<Membership[]> {
  const key = principalKey(p);
  const hit = membershipCache.get(key);
  if (hit && hit.until > Date.now()) return hit.memberships;
  const memberships = await withRetry(() => principalDirectory(env, p).memberships(), true);
  if (membershipCache.size >= MEMBERSHIP_CACHE_MAX) membershipCache.clear();
  membershipCache.set(key, { memberships, until: Date.now() + MEMBERSHIP_CACHE_TTL_MS });
  return memberships;
}

export function invalidateMemberships(p: { issuer: string; subject: string }): void {
  membershipCache.delete(principalKey(p));
}

/** Lists a tenant in an identity's directory entry (idempotent, so retried) and drops the cached copy. */
export async function listMembership(env: Env, p: { issuer: string; subject: string }, m: Membership): Promise<void> {
  await withRetry(() => principalDirectory(env, p).putMembership(m), true);
  invalidateMemberships(p);
}

/** Removes a tenant from an identity's directory entry (idempotent) and drops the cached copy. */
export async function unlistMembership(env: Env, p: { issuer: string; subject: string }, tenantId: string): Promise<void> {
  await withRetry(() => principalDirectory(env, p).removeMembership(tenantId), true);
  invalidateMemberships(p);
}

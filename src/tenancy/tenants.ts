import type { Context } from "hono";
import type { TenantObject } from "../../durable-objects/tenant/tenant-object";
import { principalDirectory, registry } from "../../durable-objects/directory/stubs";
import type { Region } from "../../schemas/common";
import { TenantId } from "../../schemas/common";
import { principalKey, type Caller, type Membership, type Principal } from "../../schemas/identity";
import type { RateState, RpcResult } from "../../schemas/rpc";
import { AppError } from "../../schemas/errors";
import type { AppEnv } from "../env";
import { isLocalEnvironment } from "../../durable-objects/tenant/config";
import { namespaceForRegion } from "./region";

/**
 * How the router finds and calls actors: the registry, a principal's directory shard (cached
 * in the isolate), tenant selection, and tenant calls with the platform's retry rules.
 */
export const MEMBERSHIP_CACHE_TTL_MS = 30_000;
const MEMBERSHIP_CACHE_MAX = 10_000;
const membershipCache = new Map<string, { memberships: Membership[]; until: number }>();

export function tenantStub(env: Env, tenantId: string, region: Region): DurableObjectStub<TenantObject> {
  const ns = namespaceForRegion(env.TENANT, region, isLocalEnvironment(env.ENVIRONMENT ?? "production"));
  return ns.get(ns.idFromName(tenantId)) as DurableObjectStub<TenantObject>;
}

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

/** Called by every route that changes memberships, so this isolate never serves its own stale copy. */
export function invalidateMemberships(p: { issuer: string; subject: string }): void {
  membershipCache.delete(principalKey(p));
}

/**
 * Lists a tenant in an identity's directory entry, after the tenant object (the authority) made
 * the change, and drops this isolate's cached copy. Idempotent, so it is retried.
 */
export async function listMembership(env: Env, p: { issuer: string; subject: string }, m: Membership): Promise<void> {
  await withRetry(() => principalDirectory(env, p).putMembership(m), true);
  invalidateMemberships(p);
}

/** Removes a tenant from an identity's directory entry (idempotent) and drops the cached copy. */
export async function unlistMembership(env: Env, p: { issuer: string; subject: string }, tenantId: string): Promise<void> {
  await withRetry(() => principalDirectory(env, p).removeMembership(tenantId), true);
  invalidateMemberships(p);
}

export interface SelectedTenant {
  tenantId: string;
  region: Region;
  memberships: Membership[];
  stub: DurableObjectStub<TenantObject>;
}

/**
 * Picks the tenant for this request: `x-tenant-id` (validated against the memberships, 403 if
 * not one), else the only membership, else 403. A dev identity may name any registered tenant
 * (dev auth asserts its role; the tenant object still checks it is allowed).
 */
export async function selectTenant(c: Context<AppEnv>): Promise<SelectedTenant> {
  const principal = c.get("principal");
  const memberships = await membershipsOf(c.env, principal);
  const requested = c.req.header("x-tenant-id");
  let chosen: { tenantId: string; region: Region } | undefined;
  if (requested !== undefined) {
    if (!TenantId.safeParse(requested).success) throw new AppError("not_a_member", "not a member of the requested tenant");
    chosen = memberships.find((m) => m.tenantId === requested);
    if (!chosen && principal.devRole !== null) {
      const tenant = await withRetry(() => registry(c.env).getTenant(requested), true);
      if (tenant) chosen = { tenantId: tenant.id, region: tenant.region };
    }
    if (!chosen) throw new AppError("not_a_member", "not a member of the requested tenant");
  } else if (memberships.length === 1) {
    chosen = memberships[0];
  } else if (memberships.length === 0) {
    throw new AppError("not_a_member", "this identity is not a member of any tenant");
  } else {
    throw new AppError("bad_request", `this identity belongs to ${memberships.length} tenants; choose one with the x-tenant-id header`);
  }
  if (!chosen) throw new AppError("not_a_member", "not a member of the requested tenant");
  c.set("tenantId", chosen.tenantId);
  c.set("region", chosen.region);
  return { tenantId: chosen.tenantId, region: chosen.region, memberships, stub: tenantStub(c.env, chosen.tenantId, chosen.region) };
}

export function callerOf(c: Context<AppEnv>): Caller {
  return { ...c.get("principal"), requestId: c.get("requestId") };
}

/**
 * Turns an actor's result into a value or an AppError, recording rate-limit state for the
 * headers. A "not a member" answer from the authority also drops this isolate's cached
 * memberships, so a removal is seen on the very next request.
 */
export function unwrap<T>(c: Context<AppEnv>, result: RpcResult<T>): T {
  if (result.rate) c.set("rate", result.rate);
  if (result.role) c.set("role", result.role);
  if (result.ok) return result.value;
  if (result.error.code === "not_a_member") invalidateMemberships(c.get("principal"));
  throw AppError.fromData(result.error);
}

interface DurableObjectError {
  retryable?: boolean;
  overloaded?: boolean;
}

/**
 * Stub calls with the platform's rules: after any exception the stub is rebuilt (the factory is
 * called again); only idempotent calls are retried, only when the error is `.retryable`, with
 * jittered exponential backoff; `.overloaded` is never retried and becomes a 503.
 */
export async function withRetry<T>(call: () => Promise<T>, idempotent: boolean, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const e = (error ?? {}) as DurableObjectError;
      if (e.overloaded) throw new AppError("tenant_unavailable", "the tenant is overloaded; retry shortly", { retryAfterSeconds: 2 });
      if (!idempotent || !e.retryable || attempt >= attempts) {
        if (e.retryable)
          throw new AppError("tenant_unavailable", "the tenant is temporarily unavailable; retry shortly", { retryAfterSeconds: 1 });
        throw error;
      }
      const base = 50 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * base));
    }
  }
}

/** Calls the selected tenant object; `idempotent` reads may be retried on transient errors. */
export async function callTenant<T>(
  c: Context<AppEnv>,
  selected: SelectedTenant,
  call: (stub: DurableObjectStub<TenantObject>) => Promise<RpcResult<T>>,
  idempotent: boolean,
): Promise<T> {
  refuseIfRateLimited(c, selected.tenantId);
  let stub = selected.stub;
  let first = true;
  const result = await withRetry(() => {
    if (!first) stub = tenantStub(c.env, selected.tenantId, selected.region);
    first = false;
    return call(stub);
  }, idempotent);
  if (!result.ok && result.error.code === "rate_limited" && result.rate) rememberRefusal(c, selected.tenantId, result.rate);
  return unwrap(c, result);
}

/**
 * Refusals the tenant objects made, remembered in the isolate until their window resets, so a
 * flood past a limit is answered at the edge without a round trip to the object: the flooding
 * tenant costs its neighbours as little as possible. Only refusals are remembered; this can never
 * allow a call the object would refuse, and the object stays the one that counts and decides.
 */
const refusals = new Map<string, { until: number; rate: RateState }>();
const REFUSALS_MAX = 10_000;

const refusalKeys = (c: Context<AppEnv>, tenantId: string) => {
  const p = c.get("principal");
  return { tenant: `t|${tenantId}`, user: `u|${tenantId}|${p.issuer}|${p.subject}` };
};

function rememberRefusal(c: Context<AppEnv>, tenantId: string, rate: RateState): void {
  const keys = refusalKeys(c, tenantId);
  if (refusals.size >= REFUSALS_MAX) refusals.clear();
  refusals.set(rate.policy === "tenant" ? keys.tenant : keys.user, { until: Date.now() + Math.max(1, rate.resetSeconds) * 1000, rate });
}

function refuseIfRateLimited(c: Context<AppEnv>, tenantId: string): void {
  const keys = refusalKeys(c, tenantId);
  for (const key of [keys.tenant, keys.user]) {
    const hit = refusals.get(key);
    if (!hit) continue;
    const left = Math.ceil((hit.until - Date.now()) / 1000);
    if (left <= 0) {
      refusals.delete(key);
      continue;
    }
    c.set("rate", { ...hit.rate, remaining: 0, resetSeconds: left });
    throw new AppError("rate_limited", `${hit.rate.policy} rate limit of ${hit.rate.limit} requests per minute reached`, {
      retryAfterSeconds: left,
    });
  }
}

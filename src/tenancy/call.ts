import type { Context } from "hono";
import { registry } from "../../durable-objects/directory/stubs";
import { isLocalEnvironment } from "../../durable-objects/tenant/config";
import type { TenantObject } from "../../durable-objects/tenant/tenant-object";
import { TenantId, type Region } from "../../schemas/common";
import { AppError } from "../../schemas/errors";
import { principalKey, type Caller, type Membership } from "../../schemas/identity";
import type { RateState, RpcResult } from "../../schemas/rpc";
import type { Tenant } from "../../schemas/tenants";
import type { AppEnv } from "../env";
import { timingOf } from "../middleware/server-timing";
import { invalidateMemberships, membershipsOf } from "./directory";
import { namespaceForRegion } from "./region";
import { withRetry } from "./retry";

/**
 * The one way the router calls a tenant object: `callTenant`. A member's route names no tenant:
 * the call selects it (once per request, kept on the context) from the caller's memberships and
 * `x-tenant-id`; a platform route names it in `{tenantId}` and passes the registry's entry. Either
 * way the call goes through the same retry rules, the same edge memory of rate refusals and the
 * same unwrapping of the one error shape. Selection runs at the first call, after the route's zod
 * validation, so a malformed request is answered without a directory lookup.
 */
export interface TenantTarget {
  tenantId: string;
  region: Region;
}

export interface SelectedTenant extends TenantTarget {
  memberships: Membership[];
  stub: DurableObjectStub<TenantObject>;
}

type TenantStub = DurableObjectStub<TenantObject>;

export function tenantStub(env: Env, tenantId: string, region: Region): TenantStub {
  const ns = namespaceForRegion(env.TENANT, region, isLocalEnvironment(env.ENVIRONMENT ?? "production"));
  return ns.get(ns.idFromName(tenantId)) as TenantStub;
}

export function callerOf(c: Context<AppEnv>): Caller {
  return { ...c.get("principal"), requestId: c.get("requestId") };
}

/** A platform operator as an audit actor (`issuer|subject`). */
export function actorOf(c: Context<AppEnv>): string {
  return principalKey(c.get("principal"));
}

/**
 * The tenant this member's request acts in: `x-tenant-id` (validated against the memberships, 403
 * if not one), else the only membership, else 403 (none) or 400 (several). A dev identity may name
 * any registered tenant (the tenant object still decides whether it is allowed).
 */
export async function selectedTenant(c: Context<AppEnv>): Promise<SelectedTenant> {
  const known = c.get("selected");
  if (known) return known;
  const selected = await timingOf(c).time("tenant", () => chooseTenant(c));
  c.set("selected", selected);
  c.set("tenantId", selected.tenantId);
  c.set("region", selected.region);
  return selected;
}

async function chooseTenant(c: Context<AppEnv>): Promise<SelectedTenant> {
  const principal = c.get("principal");
  const memberships = await membershipsOf(c.env, principal);
  const requested = c.req.header("x-tenant-id");
  let chosen: TenantTarget | undefined;
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
  return {
    tenantId: chosen.tenantId,
    region: chosen.region,
    memberships,
    stub: tenantStub(c.env, chosen.tenantId, chosen.region),
  };
}

/** The selected tenant's display name (for directory entries): from the caller's memberships, else the registry. */
export async function selectedTenantName(c: Context<AppEnv>): Promise<string> {
  const selected = await selectedTenant(c);
  const known = selected.memberships.find((m) => m.tenantId === selected.tenantId);
  return known?.tenantName ?? (await withRetry(() => registry(c.env).getTenant(selected.tenantId), true))?.name ?? selected.tenantId;
}

/** The tenant a platform route names: its registry entry, or 404. */
export async function registeredTenant(c: Context<AppEnv>, tenantId: string): Promise<Tenant> {
  c.set("tenantId", tenantId);
  const tenant = await timingOf(c).time("tenant", () => withRetry(() => registry(c.env).getTenant(tenantId), true));
  if (!tenant) throw new AppError("not_found", `tenant ${tenantId} not found`);
  return tenant;
}

/**
 * Calls a tenant object: the member's selected tenant, or `tenant` when a platform route names
 * one. `idempotent` calls may be retried on transient errors. The result's rate state and role go
 * to the context (headers, request log); an error leaves as its AppError.
 */
export async function callTenant<T>(
  c: Context<AppEnv>,
  call: (stub: TenantStub, caller: Caller) => Promise<RpcResult<T>>,
  options: { idempotent: boolean; tenant?: TenantTarget },
): Promise<T> {
  const target = options.tenant ?? (await selectedTenant(c));
  c.set("tenantId", target.tenantId);
  // Operators are never rate limited: an operator must be able to suspend a tenant that floods.
  if (options.tenant === undefined) refuseIfRateLimited(c, target.tenantId);
  const caller = callerOf(c);
  let stub = options.tenant === undefined ? (target as SelectedTenant).stub : tenantStub(c.env, target.tenantId, target.region);
  let first = true;
  const timing = timingOf(c);
  const result = await timing.time("object", () =>
    withRetry(() => {
      if (!first) stub = tenantStub(c.env, target.tenantId, target.region);
      first = false;
      return call(stub, caller);
    }, options.idempotent),
  );
  timing.addWork(result.work);
  if (!result.ok && result.error.code === "rate_limited" && result.rate && options.tenant === undefined)
    rememberRefusal(c, target.tenantId, result.rate);
  if (result.rate) c.set("rate", result.rate);
  if (result.role) c.set("role", result.role);
  if (result.ok) return result.value;
  // The authority says "not a member": drop this isolate's cached memberships, so a removal is
  // seen on the very next request.
  if (result.error.code === "not_a_member") invalidateMemberships(c.get("principal"));
  throw AppError.fromData(result.error);
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
  return { tenant: `t|${tenantId}`, user: `u|${tenantId}|${principalKey(p)}` };
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

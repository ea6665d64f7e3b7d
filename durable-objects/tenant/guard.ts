import { RecordId, type Role } from "../../schemas/common";
import { AppError, parseOr422, type AppErrorData } from "../../schemas/errors";
import { Caller, principalKey, type DevRole } from "../../schemas/identity";
import { noWork, type ObjectWork, type RateState, type RpcResult } from "../../schemas/rpc";
import { devAuthAllowed } from "./config";
import type { AuditInput } from "./data/audit";
import { metered, type Db } from "./data/db";
import { members } from "./data/members";
import { tenantMeta, type TenantMeta } from "./data/meta";
import { RateCounters, WINDOW_SECONDS } from "./data/rate-limits";
import type { JobRow } from "./data/jobs";
import { logFailure, type Runtime } from "./runtime";
import { effectiveRateLimits, storedSettings } from "./settings";
import { can, visibilityFor, visibleJob, type Action, type Visibility } from "./visibility";

/**
 * The one guard. Every tenant call, REST or socket, passes it in a fixed order: started → caller
 * parsed → tenant provisioned and active → rate limit (before anything is written, so refused
 * and denied calls cost the caller too) → membership and role (this object is the authority) →
 * permission → the operation. Denials are audited. Platform calls (operators, verified by the
 * router) skip membership and rate limits. Every failure leaves as the one error shape.
 */

/** What a permitted call runs with. */
export interface CallContext {
  caller: Caller;
  role: Role;
  /** `issuer|subject` of the caller. */
  principal: string;
  meta: TenantMeta;
  now: string;
  /** What the caller may read (computed once per call, when first asked). */
  visibility: () => Visibility;
  /** Appends an audit entry as this caller. */
  audit: (entry: Omit<AuditInput, "actor" | "role" | "requestId">) => void;
}

/** Rate state and role of a call, reported back to the router (headers, request log) even when it fails. */
export interface CallReport {
  rate?: RateState;
  role?: Role;
}

export class Guard {
  readonly #rt: Runtime;
  readonly #rates: RateCounters;

  constructor(rt: Runtime) {
    this.#rt = rt;
    this.#rates = new RateCounters(rt.db);
  }

  /** A tenant call: the checks, then `run` with the call's context; any failure becomes the error shape. */
  async call<T>(callerInput: Caller, action: Action, run: (c: CallContext) => T | Promise<T>, cost = 1): Promise<RpcResult<T>> {
    const report: CallReport = {};
    const work: ObjectWork = { guard: noWork(), run: noWork() };
    try {
      const ctx = metered(work.guard, () => {
        this.#rt.start();
        return this.authorize(parseOr422(Caller, callerInput), action, cost, report);
      });
      this.#rt.semantic.before(action);
      const value = await metered(work.run, () => run(ctx));
      this.#afterWrite(action);
      return { ok: true, value, rate: report.rate, role: report.role, work };
    } catch (error) {
      return { ok: false, error: this.failure(error), rate: report.rate, role: report.role, work };
    }
  }

  /**
   * A platform call: no membership or rate limit (the router has verified an operator).
   * `start: false` for the one call that must work on storage that cannot start (its deletion).
   */
  async platform<T>(run: () => T | Promise<T>, options: { start?: boolean } = {}): Promise<RpcResult<T>> {
    const work: ObjectWork = { guard: noWork(), run: noWork() };
    try {
      if (options.start !== false) metered(work.guard, () => this.#rt.start());
      return { ok: true, value: await metered(work.run, run), work };
    } catch (error) {
      return { ok: false, error: this.failure(error), work };
    }
  }

  /**
   * The checks for a parsed caller. Throws an AppError (denials audited); `report` receives the
   * rate state and role as soon as they are known. REST calls reach it through `call`, sockets
   * (connect, ask, resume) directly.
   */
  authorize(caller: Caller, action: Action, cost: number, report: CallReport): CallContext {
    const db = this.#rt.db;
    const meta = requireMeta(this.#rt);
    if (meta.status === "suspended") throw new AppError("tenant_suspended", `tenant ${meta.id} is suspended`);
    const principal = principalKey(caller);

    const limited = this.#takeRateLimit(principal, cost);
    report.rate = limited.state;
    if (limited.error) throw limited.error;

    const deny = (reason: string, code: "not_a_member" | "forbidden", role: string | null, detail: string): never => {
      this.#rt.appendAudit({ actor: principal, role, action, target: null, outcome: "denied", reason, requestId: caller.requestId });
      throw new AppError(code, detail);
    };
    const membership = this.membership(caller);
    if ("refused" in membership) return deny(membership.refused, "not_a_member", membership.role, "not a member of this tenant");
    const role = membership.role;
    report.role = role;
    if (!can(role, action)) return deny(`role ${role} may not ${action}`, "forbidden", role, `role ${role} may not ${action}`);

    let visibility: Visibility | undefined;
    return {
      caller,
      role,
      principal,
      meta,
      now: new Date().toISOString(),
      visibility: () => (visibility ??= visibilityFor(db, role, caller.subject)),
      audit: (e) => this.#rt.appendAudit({ ...e, actor: principal, role, requestId: caller.requestId }),
    };
  }

  /**
   * The authority's answer for an identity: its role, or why it is refused. A dev identity (only
   * when dev auth is on here too) has the role its `x-user-role` header asserted, else its own
   * member role, else `technician`; a suspended member row still wins.
   */
  membership(who: { issuer: string; subject: string; devRole: DevRole | null }): { role: Role } | { refused: string; role: Role | null } {
    const member = members.get(this.#rt.db, who.issuer, who.subject);
    if (who.devRole !== null) {
      if (!devAuthAllowed(this.#rt.env)) return { refused: "dev identity refused: dev auth is off", role: null };
      if (member && member.status !== "active") return { refused: "member suspended", role: member.role };
      if (who.devRole === "member") return { role: member?.role ?? "technician" };
      return { role: who.devRole };
    }
    if (!member) return { refused: "not a member", role: null };
    if (member.status !== "active") return { refused: "member suspended", role: member.role };
    return { role: member.role };
  }

  /** After a committed call: a failure to queue background work is logged, never the call's answer. */
  #afterWrite(action: Action): void {
    try {
      this.#rt.semantic.after(action);
    } catch (error) {
      logFailure(this.#rt.name, error, "queueing the semantic index failed");
    }
  }

  /** Any failure as the one error shape: an AppError as it is, anything else logged and answered as `internal`. */
  failure(error: unknown): AppErrorData {
    if (error instanceof AppError) return error.toData();
    logFailure(this.#rt.name, error);
    return { code: "internal", detail: "internal error" };
  }

  /** Per-tenant and per-user fixed windows; over either limit: an error and no write. */
  #takeRateLimit(principal: string, cost: number): { state: RateState; error?: AppError } {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const { tenantPerMinute: tenantLimit, userPerMinute: userLimit } = effectiveRateLimits(storedSettings(this.#rt.db), this.#rt.limits);
    const tenantCounter = this.#rates.peek("tenant", nowSeconds);
    const userCounter = this.#rates.peek(`user:${principal}`, nowSeconds);
    const resetSeconds = tenantCounter.windowStart + WINDOW_SECONDS - nowSeconds;
    const tenantLeft = tenantLimit - tenantCounter.count;
    const userLeft = userLimit - userCounter.count;
    const tight: RateState =
      userLeft <= tenantLeft
        ? { policy: "user", limit: userLimit, remaining: Math.max(0, userLeft - cost), resetSeconds }
        : { policy: "tenant", limit: tenantLimit, remaining: Math.max(0, tenantLeft - cost), resetSeconds };
    if (tenantLeft < cost || userLeft < cost) {
      const which = tenantLeft < cost ? "tenant" : "user";
      const limit = which === "tenant" ? tenantLimit : userLimit;
      return {
        state: tight,
        error: new AppError("rate_limited", `${which} rate limit of ${limit} requests per minute reached`, {
          retryAfterSeconds: resetSeconds,
        }),
      };
    }
    this.#rates.add("tenant", tenantCounter, cost, tenantLimit);
    this.#rates.add(`user:${principal}`, userCounter, cost, userLimit);
    this.#rates.prune(nowSeconds);
    return { state: tight };
  }
}

/**
 * The tenant's record; "not found" when the object was never provisioned (or was deleted).
 * Whether storage exists is the runtime's start-up answer (a flag once started), not a query.
 */
export function requireMeta(rt: Runtime): TenantMeta {
  const meta = rt.start() ? tenantMeta.get(rt.db) : null;
  if (!meta) throw new AppError("not_found", "tenant not found");
  return meta;
}

/** A job the caller may see; a hidden one is audited as denied and answers exactly like a missing one. */
export function requireVisibleJob(db: Db, c: CallContext, jobId: string, attempted: string): JobRow {
  const id = RecordId.safeParse(jobId);
  if (!id.success) throw new AppError("not_found", "job not found");
  const outcome = visibleJob(db, c.visibility(), id.data);
  if (outcome === "hidden")
    c.audit({ action: attempted, target: `job:${id.data}`, outcome: "denied", reason: "job not visible to caller" });
  if (outcome === "missing" || outcome === "hidden") throw new AppError("not_found", `job ${id.data} not found`);
  return outcome;
}

/** An audit entry for a platform operator's action (role `platform`). */
export function platformAudit(rt: Runtime, actor: string, requestId: string, action: string, target: string, reason: string | null): void {
  rt.appendAudit({ actor, role: "platform", action, target, outcome: "ok", reason, requestId });
}

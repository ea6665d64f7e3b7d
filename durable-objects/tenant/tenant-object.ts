import { Server } from "partyserver";
import type { AuditPage, AuditQuery, AuditVerification } from "../../schemas/audit";
import { AuditQuery as AuditQuerySchema } from "../../schemas/audit";
import type { Role } from "../../schemas/common";
import { Caller as CallerSchema, type Caller, type Member } from "../../schemas/identity";
import { IdempotencyKey, IngestBody as IngestBodySchema, type IngestBody, type IngestResult } from "../../schemas/ingest";
import {
  JobListQuery as JobListQuerySchema,
  JobPatch as JobPatchSchema,
  NoteCreate as NoteCreateSchema,
  type JobContext,
  type JobList,
  type JobListQuery,
  type JobPatch,
  type NoteCreate,
  type Evidence,
} from "../../schemas/jobs";
import type { Job, Note } from "../../schemas/records";
import type { RateState, RpcError, RpcResult } from "../../schemas/rpc";
import { SearchQuery as SearchQuerySchema, type SearchHit, type SearchQuery } from "../../schemas/search";
import type { DeletionReceipt, Tenant, TenantCreate, TenantStatus } from "../../schemas/tenants";
import { AppError, fieldErrors } from "../../src/errors/app-error";
import { loadPlatformLimits, type PlatformLimits } from "../../src/config";
import { audit, type AuditInput } from "./data/audit";
import { Db, SqlError } from "./data/db";
import { idempotency } from "./data/idempotency";
import { members } from "./data/members";
import { settings, tenantMeta, type TenantMeta } from "./data/meta";
import { migrate } from "./data/migrations";
import { RateCounters, WINDOW_SECONDS } from "./data/rate-limits";
import { clients, events, jobs, notes, properties } from "./data/records";
import { parseQuery, searchIndex, snippet } from "./data/search";
import { ingestBatch } from "./ingest";
import { toPlainText } from "./sanitize";
import { can, jobListRestriction, searchScope, visibilityFor, visibleJob, type Action, type Visibility } from "./visibility";

/** What a permitted call runs with. */
interface CallContext {
  caller: Caller;
  role: Role;
  principal: string;
  meta: TenantMeta;
  now: string;
  visibility: () => Visibility;
  audit: (entry: Omit<AuditInput, "actor" | "role" | "requestId">) => void;
}

const CONTEXT_NOTES = 20;
const CONTEXT_EVENTS = 20;

/**
 * One Durable Object per tenant, addressed by `idFromName(tenantId)`. It owns all of the
 * tenant's data in its SQLite and is the authority on membership and role: every call carries
 * the verified identity, and this object decides whether that identity may do what it asks.
 *
 * Start-up: migrations run in the constructor under blockConcurrencyWhile (synchronous SQL,
 * nothing slow), because partyserver's onStart runs only on fetch/alarm/socket entry points and
 * not for native RPC calls, which is how the router talks to this object. A failing migration
 * is recorded, not thrown, so the object answers `tenant_unavailable` instead of being reset.
 */
export class TenantObject extends Server<Env> {
  static override options = { hibernate: true };

  readonly #db: Db;
  readonly #rates: RateCounters;
  readonly #limits: PlatformLimits;
  #startError: unknown = null;
  /** Set once storage is wiped: this instance answers "not found" until the runtime discards it. */
  #destroyed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = new Db(ctx.storage);
    this.#rates = new RateCounters(this.#db);
    this.#limits = loadPlatformLimits(env);
    void ctx.blockConcurrencyWhile(async () => {
      try {
        migrate(this.#db);
      } catch (error) {
        this.#startError = error;
        console.error(JSON.stringify({ level: "error", msg: "tenant migration failed", error: String(error) }));
      }
    });
  }

  // ------------------------------------------------------------------ platform operations
  // Reachable only through the router's platform routes (operators verified there).

  async provision(input: TenantCreate & { id: string }, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#platform(() => {
      const existing = tenantMeta.get(this.#db);
      if (existing) throw new AppError("tenant_exists", `tenant ${existing.id} already exists`);
      const meta: TenantMeta = {
        id: input.id,
        name: input.name,
        region: input.region,
        status: "active",
        createdAt: new Date().toISOString(),
      };
      this.#db.transaction(() => {
        tenantMeta.put(this.#db, meta);
        this.#appendAudit({
          actor,
          role: "platform",
          action: "tenant.provision",
          target: `tenant:${meta.id}`,
          outcome: "ok",
          reason: null,
          requestId,
        });
      });
      return meta;
    });
  }

  async tenantInfo(): Promise<RpcResult<Tenant>> {
    return this.#platform(() => this.#requireMeta());
  }

  async platformUpsertMember(
    m: { issuer: string; subject: string; role: Role; email: string | null },
    actor: string,
    requestId: string,
  ): Promise<RpcResult<Member>> {
    return this.#platform(() => {
      this.#requireMeta();
      const now = new Date().toISOString();
      this.#db.transaction(() => {
        const outcome = members.upsert(this.#db, m, now);
        this.#appendAudit({
          actor,
          role: "platform",
          action: "member.upsert",
          target: `member:${m.issuer}|${m.subject}`,
          outcome: "ok",
          reason: `${outcome} as ${m.role}`,
          requestId,
        });
      });
      const member = members.get(this.#db, m.issuer, m.subject);
      if (!member) throw new AppError("internal", "member vanished after write");
      return member;
    });
  }

  async setStatus(status: TenantStatus, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#platform(() => {
      const meta = this.#requireMeta();
      if (meta.status === status) return meta;
      const next = { ...meta, status };
      this.#db.transaction(() => {
        tenantMeta.put(this.#db, next);
        this.#appendAudit({
          actor,
          role: "platform",
          action: status === "suspended" ? "tenant.suspend" : "tenant.resume",
          target: `tenant:${meta.id}`,
          outcome: "ok",
          reason: null,
          requestId,
        });
      });
      return next;
    });
  }

  /** Wipes every byte of the tenant's storage; returns what the receipt and the directory need. */
  async destroy(
    actor: string,
  ): Promise<RpcResult<Omit<DeletionReceipt, "deletedAt"> & { members: { issuer: string; subject: string }[] }>> {
    const summary = await this.#platform(() => {
      const meta = this.#requireMeta();
      return {
        tenantId: meta.id,
        deletedBy: actor,
        counts: {
          clients: clients.count(this.#db),
          properties: properties.count(this.#db),
          jobs: jobs.count(this.#db),
          notes: notes.count(this.#db),
          events: events.count(this.#db),
          members: members.count(this.#db),
        },
        auditHead: audit.head(this.#db).hash,
        members: members.list(this.#db).map((m) => ({ issuer: m.issuer, subject: m.subject })),
      };
    });
    if (!summary.ok) return summary;
    this.#destroyed = true;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return summary;
  }

  // ------------------------------------------------------------------ tenant operations

  async me(caller: Caller): Promise<RpcResult<{ tenant: Tenant; role: Role }>> {
    return this.#call(caller, "me", (c) => ({ tenant: c.meta, role: c.role }));
  }

  async ingest(
    caller: Caller,
    body: IngestBody,
    idem: { key: string; bodyHash: string } | null,
  ): Promise<RpcResult<IngestResult & { replayed: boolean }>> {
    return this.#call(caller, "ingest", (c) => {
      const input = parse(IngestBodySchema, body);
      const nowSeconds = Math.floor(Date.now() / 1000);
      if (idem) {
        parse(IdempotencyKey, idem.key);
        const previous = idempotency.get(this.#db, c.principal, idem.key, nowSeconds);
        if (previous) {
          if (previous.bodyHash !== idem.bodyHash)
            throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request body");
          return { ...(JSON.parse(previous.response) as IngestResult), replayed: true };
        }
      }
      const { result } = ingestBatch(this.#db, input, c.now);
      const total = Object.values(result).reduce((n, k) => n + k.inserted + k.updated, 0);
      c.audit({ action: "ingest", target: null, outcome: "ok", reason: `${total} record(s) written` });
      if (idem) {
        idempotency.put(this.#db, c.principal, idem.key, idem.bodyHash, 200, JSON.stringify(result), nowSeconds);
        if (Math.random() < 0.01) idempotency.prune(this.#db, nowSeconds);
      }
      return { ...result, replayed: false };
    });
  }

  async listJobs(caller: Caller, query: JobListQuery): Promise<RpcResult<JobList>> {
    return this.#call(caller, "jobs.read", (c) => {
      const q = parse(JobListQuerySchema, query);
      const filter = { ...q, ...jobListRestriction(c.visibility()) } as Parameters<typeof jobs.list>[1];
      delete (filter as { clientId?: string }).clientId;
      delete (filter as { propertyId?: string }).propertyId;
      if (q.clientId !== undefined) {
        const pk = clients.pkOf(this.#db, q.clientId);
        if (pk === null) return { jobs: [], nextCursor: null };
        filter.clientPk = pk;
      }
      if (q.propertyId !== undefined) {
        const ref = properties.refOf(this.#db, q.propertyId);
        if (ref === null) return { jobs: [], nextCursor: null };
        filter.propertyPk = ref.pk;
      }
      const page = jobs.list(this.#db, filter);
      return { jobs: page.rows.map((row) => jobs.toApi(this.#db, row)), nextCursor: page.nextCursor };
    });
  }

  async getJob(caller: Caller, jobId: string): Promise<RpcResult<Job>> {
    return this.#call(caller, "jobs.read", (c) => jobs.toApi(this.#db, this.#visibleJob(c, jobId, "job.read")));
  }

  async patchJob(caller: Caller, jobId: string, patch: JobPatch): Promise<RpcResult<Job>> {
    return this.#call(caller, "jobs.write", (c) => {
      const input = parse(JobPatchSchema, patch);
      const row = this.#visibleJob(c, jobId, "job.update");
      const clean: JobPatch = { ...input };
      if (clean.title !== undefined) clean.title = toPlainText(clean.title);
      if (clean.title === "") {
        throw new AppError("validation_failed", "the title is empty once reduced to plain text", {
          errors: [{ path: "title", message: "is empty once reduced to plain text" }],
        });
      }
      if (typeof clean.description === "string") clean.description = toPlainText(clean.description);
      const changed = this.#db.transaction(() => {
        const did = jobs.patch(this.#db, row, clean, c.now);
        if (did)
          c.audit({ action: "job.update", target: `job:${jobId}`, outcome: "ok", reason: `fields: ${Object.keys(clean).join(",")}` });
        return did;
      });
      const fresh = changed ? jobs.byId(this.#db, jobId) : row;
      if (!fresh) throw new AppError("not_found", `job ${jobId} not found`);
      return jobs.toApi(this.#db, fresh);
    });
  }

  async addNote(caller: Caller, jobId: string, input: NoteCreate): Promise<RpcResult<Note>> {
    return this.#call(caller, "notes.write", (c) => {
      const note = parse(NoteCreateSchema, input);
      const row = this.#visibleJob(c, jobId, "note.create");
      const id = note.id ?? `N-${crypto.randomUUID()}`;
      if (notes.exists(this.#db, id)) throw new AppError("conflict", `note ${id} already exists`);
      const body = toPlainText(note.body);
      if (body === "")
        throw new AppError("validation_failed", "the note is empty once reduced to plain text", {
          errors: [{ path: "body", message: "is empty once reduced to plain text" }],
        });
      this.#db.transaction(() => {
        notes.upsert(
          this.#db,
          { id, body, authorId: c.caller.subject, createdAt: undefined },
          { jobPk: row.pk, clientPk: null, propertyPk: null },
          c.now,
        );
        c.audit({ action: "note.create", target: `note:${id}`, outcome: "ok", reason: `on job:${jobId}` });
      });
      const created = notes.byId(this.#db, id);
      if (!created) throw new AppError("internal", "note vanished after write");
      return created;
    });
  }

  async jobContext(caller: Caller, jobId: string): Promise<RpcResult<JobContext>> {
    return this.#call(caller, "jobs.read", (c) => {
      const row = this.#visibleJob(c, jobId, "context.read");
      const job = jobs.toApi(this.#db, row);
      const client = clients.byPk(this.#db, row.client_pk);
      const property = row.property_pk === null ? null : properties.byPk(this.#db, row.property_pk);
      const recentNotes = notes.forJobContext(this.#db, row, CONTEXT_NOTES);
      const recentEvents = events.forJob(this.#db, row.pk, CONTEXT_EVENTS);
      const people = members.emailsOf(this.#db, job.assignees);
      const evidence: Evidence[] = [
        { ref: `job:${job.id}`, kind: "job", text: [job.title, job.description].filter(Boolean).join("\n"), at: job.updatedAt },
        ...(client
          ? [
              {
                ref: `client:${client.id}`,
                kind: "client" as const,
                text: [client.name, client.email, client.phone].filter(Boolean).join("\n"),
                at: client.updatedAt,
              },
            ]
          : []),
        ...(property
          ? [
              {
                ref: `property:${property.id}`,
                kind: "property" as const,
                text: [property.address, property.label].filter(Boolean).join("\n"),
                at: property.updatedAt,
              },
            ]
          : []),
        ...recentNotes.map((n) => ({ ref: `note:${n.id}`, kind: "note" as const, text: n.body, at: n.createdAt })),
        ...recentEvents.map((e) => ({
          ref: `event:${e.id}`,
          kind: "event" as const,
          text: e.data ? `${e.type} ${JSON.stringify(e.data)}` : e.type,
          at: e.at,
        })),
      ];
      c.audit({ action: "context.read", target: `job:${jobId}`, outcome: "ok", reason: null });
      return {
        job,
        client,
        property,
        assignees: job.assignees.map((userId) => ({
          userId,
          email: people.get(userId)?.email ?? null,
          role: people.get(userId)?.role ?? null,
        })),
        notes: recentNotes,
        events: recentEvents,
        evidence,
      };
    });
  }

  async search(caller: Caller, query: SearchQuery): Promise<RpcResult<{ hits: SearchHit[]; exhaustive: boolean }>> {
    return this.#call(caller, "search", (c) => {
      const q = parse(SearchQuerySchema, query);
      const job = q.jobId === undefined ? null : this.#visibleJob(c, q.jobId, "search");
      const terms = parseQuery(q.q);
      const outcome = searchIndex.query(this.#db, terms, searchScope(c.visibility(), job), q.limit);
      return {
        exhaustive: outcome.exhaustive,
        hits: outcome.hits.map((h) => ({
          ref: `${h.kind}:${h.ref}`,
          kind: h.kind,
          jobId: h.job,
          snippet: snippet(h.text, terms),
          score: h.score,
        })),
      };
    });
  }

  async auditPage(caller: Caller, query: AuditQuery): Promise<RpcResult<AuditPage>> {
    return this.#call(caller, "audit.read", () => {
      const q = parse(AuditQuerySchema, query);
      return audit.page(this.#db, q.after ?? 0, q.limit);
    });
  }

  async auditVerify(caller: Caller): Promise<RpcResult<AuditVerification>> {
    return this.#call(caller, "audit.read", () => audit.verify(this.#db), { cost: 10 });
  }

  // ------------------------------------------------------------------ the one guard

  async #call<T>(callerInput: Caller, action: Action, run: (c: CallContext) => T, options: { cost?: number } = {}): Promise<RpcResult<T>> {
    let rate: RateState | undefined;
    let resolvedRole: Role | undefined;
    try {
      if (this.#startError) throw new AppError("tenant_unavailable", "the tenant's storage failed to start; operators have been alerted");
      const caller = parse(CallerSchema, callerInput);
      const meta = this.#requireMeta();
      const principal = `${caller.issuer}|${caller.subject}`;
      const deny = (
        reason: string,
        code: "not_a_member" | "forbidden" | "tenant_suspended",
        role: string | null,
        detail: string,
      ): never => {
        this.#appendAudit({ actor: principal, role, action, target: null, outcome: "denied", reason, requestId: caller.requestId });
        throw new AppError(code, detail);
      };
      if (meta.status === "suspended") throw new AppError("tenant_suspended", `tenant ${meta.id} is suspended`);

      const member = members.get(this.#db, caller.issuer, caller.subject);
      let role: Role;
      if (caller.devRole !== null) {
        if (!devAuthAllowed(this.env))
          return deny("dev identity refused: dev auth is off", "not_a_member", null, "not a member of this tenant");
        if (member && member.status !== "active")
          return deny("member suspended", "not_a_member", member.role, "not a member of this tenant");
        role = caller.devRole;
      } else {
        if (!member) return deny("not a member", "not_a_member", null, "not a member of this tenant");
        if (member.status !== "active") return deny("member suspended", "not_a_member", member.role, "not a member of this tenant");
        role = member.role;
      }
      resolvedRole = role;
      if (!can(role, action)) return deny(`role ${role} may not ${action}`, "forbidden", role, `role ${role} may not ${action}`);

      const limited = this.#takeRateLimit(principal, options.cost ?? 1);
      rate = limited.state;
      if (limited.error) throw limited.error;
      let visibility: Visibility | undefined;
      const ctx: CallContext = {
        caller,
        role,
        principal,
        meta,
        now: new Date().toISOString(),
        visibility: () => (visibility ??= visibilityFor(this.#db, role, caller.subject)),
        audit: (e) => this.#appendAudit({ ...e, actor: principal, role, requestId: caller.requestId }),
      };
      const value = run(ctx);
      return { ok: true, value, rate, role };
    } catch (error) {
      return { ...this.#failure(error), rate, role: resolvedRole };
    }
  }

  /** Platform calls: no membership or rate limit (the router has verified an operator). */
  async #platform<T>(run: () => T): Promise<RpcResult<T>> {
    try {
      if (this.#startError) throw new AppError("tenant_unavailable", "the tenant's storage failed to start");
      return { ok: true, value: run() };
    } catch (error) {
      return this.#failure(error);
    }
  }

  #failure(error: unknown): { ok: false; error: RpcError } {
    if (error instanceof AppError) return { ok: false, error: error.toRpc() };
    console.error(
      JSON.stringify({
        level: "error",
        msg: "tenant call failed",
        tenant: this.ctx.id.name ?? null,
        error: error instanceof Error ? error.message : String(error),
        statement: error instanceof SqlError ? error.statement.slice(0, 200) : undefined,
      }),
    );
    return { ok: false, error: { code: "internal", detail: "internal error" } };
  }

  #requireMeta(): TenantMeta {
    if (this.#destroyed) throw new AppError("not_found", "tenant not found");
    const meta = tenantMeta.get(this.#db);
    if (!meta) throw new AppError("not_found", "tenant not found");
    return meta;
  }

  #appendAudit(entry: AuditInput): void {
    audit.append(this.#db, entry, new Date().toISOString());
  }

  /** A job the caller may see; a hidden one is audited as denied and answers exactly like a missing one. */
  #visibleJob(c: CallContext, jobId: string, attempted: string) {
    const outcome = visibleJob(this.#db, c.visibility(), jobId);
    if (outcome === "hidden")
      c.audit({ action: attempted, target: `job:${jobId}`, outcome: "denied", reason: "job not visible to caller" });
    if (outcome === "missing" || outcome === "hidden") throw new AppError("not_found", `job ${jobId} not found`);
    return outcome;
  }

  /** Per-tenant and per-user fixed windows; over either limit: an error and no write. */
  #takeRateLimit(principal: string, cost: number): { state: RateState; error?: AppError } {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const configured = settings.get(this.#db).rateLimits ?? {};
    const tenantLimit = Math.min(configured.tenantPerMinute ?? this.#limits.tenantPerMinute, this.#limits.maxTenantPerMinute);
    const userLimit = Math.min(configured.userPerMinute ?? this.#limits.userPerMinute, this.#limits.maxUserPerMinute);
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
      return {
        state: tight,
        error: new AppError(
          "rate_limited",
          `${which} rate limit of ${which === "tenant" ? tenantLimit : userLimit} requests per minute reached`,
          {
            retryAfterSeconds: resetSeconds,
          },
        ),
      };
    }
    this.#rates.add("tenant", tenantCounter, cost);
    this.#rates.add(`user:${principal}`, userCounter, cost);
    if (nowSeconds % WINDOW_SECONDS === 0) this.#rates.prune(nowSeconds);
    return { state: tight };
  }
}

function parse<T>(
  schema: {
    safeParse: (
      v: unknown,
    ) => { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new AppError("validation_failed", "the request does not match the schema", { errors: fieldErrors(result.error.issues) });
  return result.data;
}

export function devAuthAllowed(env: { ALLOW_DEV_AUTH?: string; ENVIRONMENT?: string }): boolean {
  return env.ALLOW_DEV_AUTH === "1" && env.ENVIRONMENT !== "production";
}

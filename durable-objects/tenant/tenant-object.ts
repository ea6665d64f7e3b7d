import { Server } from "partyserver";
import { AuditQuery, AuditVerifyQuery, type AuditPage, type AuditVerification } from "../../schemas/audit";
import { RecordId, type Role } from "../../schemas/common";
import { Caller, type Member } from "../../schemas/identity";
import { IdempotencyKey, IngestBody, IngestResult } from "../../schemas/ingest";
import {
  JobListQuery,
  JobPatch,
  NoteCreate,
  decodeCursor,
  encodeCursor,
  type Evidence,
  type JobContext,
  type JobList,
} from "../../schemas/jobs";
import type { Job, Note } from "../../schemas/records";
import type { RateState, RpcError, RpcResult } from "../../schemas/rpc";
import { SearchQuery, type SearchHit } from "../../schemas/search";
import { MemberUpsertInput, TenantProvision, TenantStatus, type DeletionSummary, type Tenant } from "../../schemas/tenants";
import { devAuthAllowed, loadPlatformLimits, type PlatformLimits } from "../../src/config";
import { AppError, fieldErrors } from "../../src/errors/app-error";
import { CopilotAsk, UsageQuery, type CopilotAnswer, type ThreadDetail, type ThreadList, type UsageReport } from "../../schemas/copilot";
import { composeAnswer } from "./copilot/answer";
import { extractiveProvider } from "./copilot/extractive";
import { audit, type AuditInput } from "./data/audit";
import { chat } from "./data/chat";
import { usage } from "./data/usage";
import { Db, parseStoredJson, SqlError } from "./data/db";
import { idempotency } from "./data/idempotency";
import { members } from "./data/members";
import { settings, tenantMeta, type TenantMeta } from "./data/meta";
import { isInitialised, migrate } from "./data/migrations";
import { RateCounters, WINDOW_SECONDS } from "./data/rate-limits";
import { clients, events, jobs, notes, properties, type JobFilter } from "./data/records";
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
/** A copilot question costs more rate-limit budget than a plain read (retrieval + provider). */
export const COPILOT_COST = 5;

/**
 * One Durable Object per tenant, addressed by `idFromName(tenantId)`. It owns all of the
 * tenant's data in its SQLite and is the authority on membership and role: every call carries
 * the verified identity, and this object decides whether that identity may do what it asks.
 *
 * Start-up: storage is initialised only by `provision`, so a call to an id that was never
 * provisioned (or was deleted) answers "not found" and writes nothing. For a provisioned object,
 * pending migrations run in the constructor under blockConcurrencyWhile (synchronous SQL,
 * nothing slow): partyserver's onStart runs only on fetch/alarm/socket entry points, not for the
 * native RPC calls the router makes. A failing migration is recorded, not thrown (which would
 * reset the object in a loop); the next call retries it once before answering 503.
 */
export class TenantObject extends Server<Env> {
  static override options = { hibernate: true };

  readonly #db: Db;
  readonly #rates: RateCounters;
  readonly #limits: PlatformLimits;
  #startError: unknown = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = new Db(ctx.storage);
    this.#rates = new RateCounters(this.#db);
    this.#limits = loadPlatformLimits(env);
    void ctx.blockConcurrencyWhile(async () => this.#migrate());
  }

  #migrate(): void {
    try {
      if (isInitialised(this.#db)) migrate(this.#db);
      this.#startError = null;
    } catch (error) {
      this.#startError = error;
      console.error(JSON.stringify({ level: "error", msg: "tenant migration failed", error: String(error) }));
    }
  }

  async #ensureStarted(): Promise<void> {
    if (this.#startError === null) return;
    await this.ctx.blockConcurrencyWhile(async () => this.#migrate());
    if (this.#startError !== null)
      throw new AppError("tenant_unavailable", "the tenant's storage failed to start; operators have been alerted");
  }

  // ------------------------------------------------------------------ platform operations
  // Reachable only through the router's platform routes (operators verified there).

  async provision(input: TenantProvision, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#platform(() => {
      const t = parse(TenantProvision, input);
      if (isInitialised(this.#db) && tenantMeta.get(this.#db)) throw new AppError("tenant_exists", `tenant ${t.id} already exists`);
      migrate(this.#db);
      const meta: TenantMeta = { id: t.id, name: t.name, region: t.region, status: "active", createdAt: new Date().toISOString() };
      this.#db.transaction(() => {
        tenantMeta.put(this.#db, meta);
        this.#platformAudit(actor, requestId, "tenant.provision", `tenant:${meta.id}`, null);
      });
      return meta;
    });
  }

  async platformUpsertMember(
    input: MemberUpsertInput,
    actor: string,
    requestId: string,
  ): Promise<RpcResult<{ member: Member; outcome: "inserted" | "updated" | "unchanged" }>> {
    return this.#platform(() => {
      const m = parse(MemberUpsertInput, input);
      this.#requireMeta();
      const outcome = this.#db.transaction(() => {
        const result = members.upsert(this.#db, m, new Date().toISOString());
        if (result !== "unchanged")
          this.#platformAudit(actor, requestId, "member.upsert", `member:${m.issuer}|${m.subject}`, `${result} as ${m.role}`);
        return result;
      });
      const member = members.get(this.#db, m.issuer, m.subject);
      if (!member) throw new AppError("internal", "member vanished after write");
      return { member, outcome };
    });
  }

  async setStatus(status: TenantStatus, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#platform(() => {
      const next = parse(TenantStatus, status);
      const meta = this.#requireMeta();
      if (meta.status === next) return meta;
      const updated = { ...meta, status: next };
      this.#db.transaction(() => {
        tenantMeta.put(this.#db, updated);
        this.#platformAudit(actor, requestId, next === "suspended" ? "tenant.suspend" : "tenant.resume", `tenant:${meta.id}`, null);
      });
      return updated;
    });
  }

  /**
   * First phase of deletion: suspend the tenant (members are refused from now on) and report the
   * receipt's content and the members whose directory entries must go. Safe to call again.
   */
  async prepareDeletion(actor: string, requestId: string): Promise<RpcResult<DeletionSummary>> {
    return this.#platform(() => {
      const meta = this.#requireMeta();
      this.#db.transaction(() => {
        if (meta.status !== "suspended") tenantMeta.put(this.#db, { ...meta, status: "suspended" });
        this.#platformAudit(actor, requestId, "tenant.delete", `tenant:${meta.id}`, "storage will be wiped");
      });
      return {
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
  }

  /** Last phase of deletion: wipes every byte of storage. Idempotent (an empty object stays empty). */
  async destroy(): Promise<RpcResult<{ wiped: boolean }>> {
    if (!isInitialised(this.#db)) return { ok: true, value: { wiped: false } };
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return { ok: true, value: { wiped: true } };
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
      const input = parse(IngestBody, body);
      const nowSeconds = Math.floor(Date.now() / 1000);
      if (idem) {
        parse(IdempotencyKey, idem.key);
        const previous = idempotency.get(this.#db, c.principal, idem.key, nowSeconds);
        const replay = previous && parseStoredJson(IngestResult, previous.response);
        if (previous && previous.bodyHash !== idem.bodyHash) {
          throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request body");
        }
        if (replay) return { ...replay, replayed: true };
      }
      const result = ingestBatch(this.#db, input, c.now, (counts) => {
        const total = Object.values(counts).reduce((n, k) => n + k.inserted + k.updated, 0);
        c.audit({ action: "ingest", target: null, outcome: "ok", reason: `${total} record(s) written` });
        if (idem) idempotency.put(this.#db, c.principal, idem.key, idem.bodyHash, 200, JSON.stringify(counts), nowSeconds);
      });
      if (idem && Math.random() < 0.01) idempotency.prune(this.#db, nowSeconds);
      return { ...result, replayed: false };
    });
  }

  async listJobs(caller: Caller, query: JobListQuery): Promise<RpcResult<JobList>> {
    return this.#call(caller, "jobs.read", (c) => {
      const { clientId, propertyId, cursor, ...rest } = parse(JobListQuery, query);
      const filter: JobFilter = { ...rest, ...jobListRestriction(c.visibility()) };
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (after !== null) filter.after = after;
      if (clientId !== undefined) {
        const pk = clients.pkOf(this.#db, clientId);
        if (pk === null) return { jobs: [], nextCursor: null };
        filter.clientPk = pk;
      }
      if (propertyId !== undefined) {
        const ref = properties.refOf(this.#db, propertyId);
        if (ref === null) return { jobs: [], nextCursor: null };
        filter.propertyPk = ref.pk;
      }
      const page = jobs.list(this.#db, filter);
      return {
        jobs: page.rows.map((row) => jobs.toApi(this.#db, row)),
        nextCursor: page.lastId === null ? null : encodeCursor(page.lastId),
      };
    });
  }

  async getJob(caller: Caller, jobId: string): Promise<RpcResult<Job>> {
    return this.#call(caller, "jobs.read", (c) => jobs.toApi(this.#db, this.#visibleJob(c, jobId, "job.read")));
  }

  async patchJob(caller: Caller, jobId: string, patch: JobPatch): Promise<RpcResult<Job>> {
    return this.#call(caller, "jobs.write", (c) => {
      const row = this.#visibleJob(c, jobId, "job.update");
      const clean: JobPatch = { ...parse(JobPatch, patch) };
      if (clean.title !== undefined) clean.title = requiredText(clean.title, "title");
      if (typeof clean.description === "string") clean.description = toPlainText(clean.description);
      const changed = this.#db.transaction(() => {
        const did = jobs.patch(this.#db, row, clean, c.now);
        if (did)
          c.audit({ action: "job.update", target: `job:${row.id}`, outcome: "ok", reason: `fields: ${Object.keys(clean).join(",")}` });
        return did;
      });
      const fresh = changed ? jobs.byId(this.#db, row.id) : row;
      if (!fresh) throw new AppError("not_found", `job ${row.id} not found`);
      return jobs.toApi(this.#db, fresh);
    });
  }

  async addNote(caller: Caller, jobId: string, input: NoteCreate): Promise<RpcResult<Note>> {
    return this.#call(caller, "notes.write", (c) => {
      const row = this.#visibleJob(c, jobId, "note.create");
      const note = parse(NoteCreate, input);
      // Ids are one namespace per tenant: a caller who cannot see every record could otherwise
      // probe for hidden notes' ids through 409s, so only they get server-made ids.
      if (note.id !== undefined && c.visibility().kind !== "all") {
        throw new AppError("validation_failed", "note ids are chosen by the server for this role", {
          errors: [{ path: "id", message: "may not be set by this role" }],
        });
      }
      const id = note.id ?? `N-${crypto.randomUUID()}`;
      if (notes.exists(this.#db, id)) throw new AppError("conflict", `note ${id} already exists`);
      const body = requiredText(note.body, "body");
      this.#db.transaction(() => {
        notes.upsert(this.#db, { id, body, authorId: c.caller.subject }, { jobPk: row.pk, clientPk: null, propertyPk: null }, c.now);
        c.audit({ action: "note.create", target: `note:${id}`, outcome: "ok", reason: `on job:${row.id}` });
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
      ];
      if (client) {
        const text = [client.name, client.email, client.phone].filter(Boolean).join("\n");
        evidence.push({ ref: `client:${client.id}`, kind: "client", text, at: client.updatedAt });
      }
      if (property) {
        const text = [property.address, property.label].filter(Boolean).join("\n");
        evidence.push({ ref: `property:${property.id}`, kind: "property", text, at: property.updatedAt });
      }
      for (const n of recentNotes) evidence.push({ ref: `note:${n.id}`, kind: "note", text: n.body, at: n.createdAt });
      for (const e of recentEvents) {
        evidence.push({ ref: `event:${e.id}`, kind: "event", text: e.data ? `${e.type} ${JSON.stringify(e.data)}` : e.type, at: e.at });
      }
      c.audit({ action: "context.read", target: `job:${job.id}`, outcome: "ok", reason: null });
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
      const q = parse(SearchQuery, query);
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
      const q = parse(AuditQuery, query);
      return audit.page(this.#db, q.after ?? 0, q.limit);
    });
  }

  async auditVerify(caller: Caller, query: AuditVerifyQuery): Promise<RpcResult<AuditVerification>> {
    return this.#call(caller, "audit.read", () => audit.verify(this.#db, parse(AuditVerifyQuery, query).from), { cost: 10 });
  }

  // ------------------------------------------------------------------ copilot

  async ask(caller: Caller, input: CopilotAsk): Promise<RpcResult<CopilotAnswer>> {
    return this.#call(caller, "copilot.ask", (c) => this.#answer(c, parse(CopilotAsk, input), () => {}, new AbortController().signal), {
      cost: COPILOT_COST,
    });
  }

  async threads(caller: Caller): Promise<RpcResult<ThreadList>> {
    return this.#call(caller, "copilot.ask", (c) => ({
      threads: chat.threads(this.#db, c.principal, 100).map((t) => ({
        id: t.id,
        jobId: t.job_id,
        messages: t.messages,
        createdAt: t.created_at,
        updatedAt: t.updated_at,
      })),
    }));
  }

  async thread(caller: Caller, threadId: string): Promise<RpcResult<ThreadDetail>> {
    return this.#call(caller, "copilot.ask", (c) => {
      // Only the owner's threads exist for a caller: anyone else's id is "not found".
      const t = chat.thread(this.#db, c.principal, threadId);
      if (!t) throw new AppError("not_found", `thread ${threadId} not found`);
      const messageList = chat.messages(this.#db, t, 500);
      return { id: t.id, jobId: t.job_id, messages: messageList.length, createdAt: t.created_at, updatedAt: t.updated_at, messageList };
    });
  }

  async usageReport(caller: Caller, query: UsageQuery): Promise<RpcResult<UsageReport>> {
    return this.#call(caller, "usage.read", () => {
      const q = parse(UsageQuery, query);
      const from = new Date(Date.now() - (q.days - 1) * 86_400_000).toISOString().slice(0, 10);
      const rows = new Map<string, UsageReport["days"][number]>();
      for (const r of usage.since(this.#db, from)) {
        const [metric, provider = "unknown"] = r.metric.split("|");
        const key = `${r.day}|${provider}`;
        const row = rows.get(key) ?? { day: r.day, provider, requests: 0, tokensIn: 0, tokensOut: 0, latencyMsTotal: 0, degraded: 0 };
        if (metric === "copilot.requests") row.requests += r.value;
        else if (metric === "copilot.tokens_in") row.tokensIn += r.value;
        else if (metric === "copilot.tokens_out") row.tokensOut += r.value;
        else if (metric === "copilot.latency_ms") row.latencyMsTotal += r.value;
        else if (metric === "copilot.degraded") row.degraded += r.value;
        rows.set(key, row);
      }
      return { from, days: [...rows.values()] };
    });
  }

  /**
   * One copilot turn for a permitted caller: the thread (the caller's own, or a new one), the
   * answer (retrieval under the caller's visibility), then one transaction that stores both
   * messages (content only in `full` data mode), the usage counters and the audit entry.
   */
  async #answer(c: CallContext, ask: CopilotAsk, onDelta: (text: string) => void, signal: AbortSignal): Promise<CopilotAnswer> {
    const existing = ask.threadId === undefined ? null : chat.thread(this.#db, c.principal, ask.threadId);
    if (ask.threadId !== undefined && !existing) throw new AppError("not_found", `thread ${ask.threadId} not found`);
    const jobId = ask.jobId ?? existing?.job_id ?? undefined;
    const job = jobId === undefined ? null : this.#visibleJob(c, jobId, "copilot.ask");
    const started = Date.now();
    const result = await composeAnswer({
      db: this.#db,
      question: ask.question,
      visibility: c.visibility(),
      job,
      provider: extractiveProvider,
      signal,
      onDelta,
    });
    const latencyMs = Date.now() - started;
    const keepContent = settings.get(this.#db).dataMode !== "metadata-only";
    const messageId = `M-${crypto.randomUUID()}`;
    const now = new Date().toISOString();
    const day = now.slice(0, 10);
    const thread = this.#db.transaction(() => {
      const t = existing ?? chat.createThread(this.#db, c.principal, `T-${crypto.randomUUID()}`, job?.id ?? null, now);
      chat.appendMessage(
        this.#db,
        t,
        {
          id: `M-${crypto.randomUUID()}`,
          role: "user",
          content: keepContent ? ask.question : null,
          contentChars: ask.question.length,
          citations: [],
          grounded: null,
          confidence: null,
          provider: null,
          model: null,
          tokensIn: 0,
          tokensOut: 0,
          latencyMs: 0,
        },
        now,
      );
      chat.appendMessage(
        this.#db,
        t,
        {
          id: messageId,
          role: "assistant",
          content: keepContent ? result.answer : null,
          contentChars: result.answer.length,
          citations: result.citations,
          grounded: result.grounded,
          confidence: result.confidence,
          provider: result.provider,
          model: result.model,
          tokensIn: result.tokensIn,
          tokensOut: result.tokensOut,
          latencyMs,
        },
        now,
      );
      const metric = (name: string) => `copilot.${name}|${result.provider}`;
      usage.add(this.#db, day, metric("requests"), 1);
      usage.add(this.#db, day, metric("tokens_in"), result.tokensIn);
      usage.add(this.#db, day, metric("tokens_out"), result.tokensOut);
      usage.add(this.#db, day, metric("latency_ms"), latencyMs);
      if (result.degraded) usage.add(this.#db, day, metric("degraded"), 1);
      c.audit({
        action: "copilot.ask",
        target: job ? `job:${job.id}` : null,
        outcome: "ok",
        reason: `${result.grounded ? "grounded" : "ungrounded"}; cited ${result.citations.map((x) => x.ref).join(",") || "nothing"}`.slice(
          0,
          500,
        ),
      });
      return t;
    });
    return {
      answer: result.answer,
      citations: result.citations,
      grounded: result.grounded,
      confidence: result.confidence,
      threadId: thread.id,
      messageId,
      usage: {
        provider: result.provider,
        model: result.model,
        tokensIn: result.tokensIn,
        tokensOut: result.tokensOut,
        latencyMs,
        degraded: result.degraded,
      },
    };
  }

  // ------------------------------------------------------------------ the one guard

  /**
   * Every tenant call, in a fixed order: started → caller parsed → tenant provisioned and active
   * → rate limit (before anything is written, so refused and denied calls cost the caller too) →
   * membership and role (the authority) → permission → the operation. Denials are audited.
   */
  async #call<T>(
    callerInput: Caller,
    action: Action,
    run: (c: CallContext) => T | Promise<T>,
    options: { cost?: number } = {},
  ): Promise<RpcResult<T>> {
    let rate: RateState | undefined;
    let resolvedRole: Role | undefined;
    try {
      await this.#ensureStarted();
      const caller = parse(Caller, callerInput);
      const meta = this.#requireMeta();
      if (meta.status === "suspended") throw new AppError("tenant_suspended", `tenant ${meta.id} is suspended`);
      const principal = `${caller.issuer}|${caller.subject}`;

      const limited = this.#takeRateLimit(principal, options.cost ?? 1);
      rate = limited.state;
      if (limited.error) throw limited.error;

      const deny = (reason: string, code: "not_a_member" | "forbidden", role: string | null, detail: string): never => {
        this.#appendAudit({ actor: principal, role, action, target: null, outcome: "denied", reason, requestId: caller.requestId });
        throw new AppError(code, detail);
      };
      const notMember = "not a member of this tenant";
      const member = members.get(this.#db, caller.issuer, caller.subject);
      let role: Role;
      if (caller.devRole !== null) {
        if (!devAuthAllowed(this.env)) return deny("dev identity refused: dev auth is off", "not_a_member", null, notMember);
        if (member && member.status !== "active") return deny("member suspended", "not_a_member", member.role, notMember);
        role = caller.devRole;
      } else {
        if (!member) return deny("not a member", "not_a_member", null, notMember);
        if (member.status !== "active") return deny("member suspended", "not_a_member", member.role, notMember);
        role = member.role;
      }
      resolvedRole = role;
      if (!can(role, action)) return deny(`role ${role} may not ${action}`, "forbidden", role, `role ${role} may not ${action}`);

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
      return { ok: true, value: await run(ctx), rate, role };
    } catch (error) {
      return { ...this.#failure(error), rate, role: resolvedRole };
    }
  }

  /** Platform calls: no membership or rate limit (the router has verified an operator). */
  async #platform<T>(run: () => T): Promise<RpcResult<T>> {
    try {
      await this.#ensureStarted();
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
    const meta = isInitialised(this.#db) ? tenantMeta.get(this.#db) : null;
    if (!meta) throw new AppError("not_found", "tenant not found");
    return meta;
  }

  #appendAudit(entry: AuditInput): void {
    audit.append(this.#db, entry, new Date().toISOString());
  }

  #platformAudit(actor: string, requestId: string, action: string, target: string, reason: string | null): void {
    this.#appendAudit({ actor, role: "platform", action, target, outcome: "ok", reason, requestId });
  }

  /** A job the caller may see; a hidden one is audited as denied and answers exactly like a missing one. */
  #visibleJob(c: CallContext, jobId: string, attempted: string) {
    const id = RecordId.safeParse(jobId);
    if (!id.success) throw new AppError("not_found", "job not found");
    const outcome = visibleJob(this.#db, c.visibility(), id.data);
    if (outcome === "hidden")
      c.audit({ action: attempted, target: `job:${id.data}`, outcome: "denied", reason: "job not visible to caller" });
    if (outcome === "missing" || outcome === "hidden") throw new AppError("not_found", `job ${id.data} not found`);
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

type Parser<T> = {
  safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
};

/** RPC arguments are parsed like any other boundary input: the router's checks are not trusted. */
function parse<T>(schema: Parser<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("validation_failed", "the request does not match the schema", { errors: fieldErrors(result.error.issues) });
  }
  return result.data;
}

/** Free text reduced to plain text that must not end up empty. */
function requiredText(value: string, path: string): string {
  const plain = toPlainText(value);
  if (plain === "") {
    throw new AppError("validation_failed", `the ${path} is empty once reduced to plain text`, {
      errors: [{ path, message: "is empty once reduced to plain text" }],
    });
  }
  return plain;
}

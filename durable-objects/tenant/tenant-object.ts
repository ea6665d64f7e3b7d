import { Server, type Connection, type WSMessage } from "partyserver";
import { AuditAnchor, AuditQuery, AuditVerifyQuery, type AuditPage, type AuditVerification } from "../../schemas/audit";
import { RecordId, type Role } from "../../schemas/common";
import { Caller, type Member } from "../../schemas/identity";
import type { ImportResult } from "../../schemas/export";
import {
  AdminMemberCreate,
  AdminMemberPatch,
  MemberChange,
  SettingsPut,
  MetricBatch,
  MetricsQuery,
  type MetricSample,
  type MetricsReport,
  type IndexCoverage,
  type Task,
  type TaskKind,
  type MemberChangeOutcome,
  type MemberList,
  type SettingsView,
} from "../../schemas/admin";
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
import type { RateState, RpcResult } from "../../schemas/rpc";
import { SearchQuery, type SearchHit } from "../../schemas/search";
import {
  MemberUpsertInput,
  PITR_WINDOW_DAYS,
  RestoreRequest,
  TenantProvision,
  TenantStatus,
  type DeletionSummary,
  type RestoreReceipt,
  type Tenant,
} from "../../schemas/tenants";
import { devAuthAllowed, loadTenantConfig, platformLimits, type PlatformLimits } from "./config";
import { AppError, ERROR_STATUS, fieldErrors, type AppErrorData, type ErrorCode, type FieldError } from "../../schemas/errors";
import { CopilotAsk, UsageQuery, type CopilotAnswer, type ThreadDetail, type ThreadList, type UsageReport } from "../../schemas/copilot";
import { composeAnswer } from "./copilot/answer";
import { providerFor } from "./copilot/providers";
import { audit, type AuditInput } from "./data/audit";
import { chat } from "./data/chat";
import { usage } from "./data/usage";
import { Db, parseStoredJson, SqlError } from "./data/db";
import { idempotency } from "./data/idempotency";
import { members } from "./data/members";
import { settings, tenantMeta, type TenantMeta, type TenantSettings } from "./data/meta";
import { isInitialised, migrate } from "./data/migrations";
import { RateCounters, WINDOW_SECONDS } from "./data/rate-limits";
import { clients, events, jobs, notes, properties, type JobFilter } from "./data/records";
import { parseQuery, searchIndex, snippet } from "./data/search";
import {
  type ConnectionState,
  RealtimeErrorCode,
  TICKET_TTL_SECONDS,
  formatTicket,
  parseTicket,
  type ClientMessage,
  type RealtimeTicket,
} from "../../schemas/realtime";
import { streams } from "./data/streams";
import { tickets, type TicketIdentity } from "./data/tickets";
import { ingestBatch } from "./ingest";
import { MAX_STRIKES, countMessage, principalOf, readState } from "./realtime/connection-state";
import { jobsTouchedByIngest, planJobUpdates, type Socket } from "./realtime/fanout";
import { closeQuietly, errorFrame, parseClientFrame, send } from "./realtime/protocol";
import { AnswerCancelled, AnswerStreams, StoredDeltas, StreamOutcome, type AnswerStream } from "./realtime/streams";
import { newTicketSecret, ticketHash } from "./realtime/tickets";
import { applyImport, exportStream, holdsRecords, stageImport } from "./portable";
import { toPlainText } from "./sanitize";
import { decryptSecret, encryptSecret, fingerprintOf, KeyUnavailableError, maskOf, parseKeyring, type Keyring } from "./crypto/envelope";
import { providerKeyAad, providerKeys, toView } from "./data/provider-keys";
import { ProviderKeyPut, ProviderName, type ProviderKeyList, type ProviderKeyView } from "../../schemas/provider-keys";
import { staging } from "./data/staging";
import { MAX_PENDING, tasks } from "./data/tasks";
import { routeMetrics } from "./data/metrics";
import { stepFor } from "./background";
import { recordCounts } from "./data/records";
import { indexMaintenance } from "./data/search";
import { registry } from "../directory/stubs";
import { can, jobListRestriction, searchScope, visibilityFor, visibleJob, type Action, type Visibility } from "./visibility";

/** A member an import wrote, for the directory. */
interface MemberRef {
  issuer: string;
  subject: string;
  role: Role;
}

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
/** The audit head reaches the registry at most this long after an audited write. */
const ANCHOR_DELAY_MS = 5_000;
/** A background step that keeps failing is given up after this many attempts (backoff doubles from 2 s). */
const MAX_TASK_ATTEMPTS = 5;
/** Presence joins and leaves are coalesced over this window. */
const PRESENCE_COALESCE_MS = 100;

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
  /** Identities of sockets being opened, by connection id: set by fetch, taken by onConnect. */
  readonly #opening = new Map<string, TicketIdentity & { role: Role }>();
  readonly #streams = new AnswerStreams();
  #lastPurgeMs = 0;
  #importing = false;
  /** The alarm time this instance last set or saw (null: unknown, e.g. after a wake). */
  #alarmAt: number | null = null;
  /** The audit seq last reported to the registry by this instance. */
  #anchoredSeq = -1;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = new Db(ctx.storage);
    this.#rates = new RateCounters(this.#db);
    this.#limits = platformLimits(env);
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
      if (outcome === "updated") this.#closeSocketsOf(m.issuer, m.subject, "membership changed");
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
      if (next === "suspended") this.#closeSockets(() => true, "tenant suspended");
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
      this.#closeSockets(() => true, "tenant deleted");
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

  /**
   * Point-in-time recovery: the object's SQLite goes back to `at` (within the last
   * PITR_WINDOW_DAYS) when it next starts, which it does right after answering. Everything
   * written after `at` is gone, this request's own trace included, so the receipt (with the
   * bookmark that undoes the restore) goes back to the operator. Local workerd has no
   * point-in-time recovery: the call then answers 503 and changes nothing.
   */
  async restoreTo(input: RestoreRequest, actor: string): Promise<RpcResult<RestoreReceipt>> {
    try {
      const { at = null, bookmark: given } = parse(RestoreRequest, input);
      const meta = this.#requireMeta();
      const when = at === null ? Date.now() : Date.parse(at);
      if (at !== null && (when > Date.now() || when < Date.now() - PITR_WINDOW_DAYS * 86_400_000)) {
        throw new AppError("validation_failed", `the restore point must be in the last ${PITR_WINDOW_DAYS} days`, {
          errors: [{ path: "at", message: `must be between ${PITR_WINDOW_DAYS} days ago and now` }],
        });
      }
      let bookmark: string;
      let undoBookmark: string;
      try {
        bookmark = given ?? (await this.ctx.storage.getBookmarkForTime(when));
        undoBookmark = await this.ctx.storage.onNextSessionRestoreBookmark(bookmark);
      } catch (error) {
        console.warn(JSON.stringify({ level: "warn", msg: "point-in-time recovery unavailable", tenant: meta.id, error: String(error) }));
        throw new AppError(
          "not_ready",
          "point-in-time recovery is not available on this runtime (it is on Cloudflare, not in local workerd)",
        );
      }
      const receipt = { tenantId: meta.id, at, bookmark, undoBookmark, requestedBy: actor, requestedAt: new Date().toISOString() };
      console.warn(JSON.stringify({ level: "warn", msg: "tenant restore scheduled", ...receipt }));
      // Restart after this answer is on its way, so the restore applies.
      setTimeout(() => this.ctx.abort("restoring to a point in time"), 0);
      return { ok: true, value: receipt };
    } catch (error) {
      return this.#failure(error);
    }
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
      // Committed: tell the sockets. Record-level outcomes are not reported by ingestBatch, so a
      // batch that changed any job, note or event notifies every job it references.
      const changed = [result.jobs, result.notes, result.events].some((k) => k.inserted + k.updated > 0);
      if (changed) this.#notifyJobsUpdated(jobsTouchedByIngest(input));
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
      if (changed) this.#notifyJobsUpdated([row.id]);
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
      this.#notifyJobsUpdated([row.id]);
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
      return audit.page(this.#db, q.after ?? 0, q.limit, { actor: q.actor, action: q.action, since: q.since });
    });
  }

  /**
   * Verifies the chain (paged), and that the log still holds the head anchored outside this
   * object: a log rewritten or truncated inside the object no longer does.
   */
  async auditVerify(caller: Caller, query: AuditVerifyQuery, anchor: AuditAnchor | null = null): Promise<RpcResult<AuditVerification>> {
    return this.#call(
      caller,
      "audit.read",
      () => {
        const result = audit.verify(this.#db, parse(AuditVerifyQuery, query).from);
        if (anchor === null) return { ...result, anchor: null };
        const held = AuditAnchor.parse(anchor);
        const matches = audit.hashAt(this.#db, held.seq) === held.hash;
        if (matches) return { ...result, anchor: { ...held, matches } };
        return {
          ...result,
          valid: false,
          firstInvalidSeq: result.firstInvalidSeq ?? held.seq,
          problem:
            result.problem ??
            `entry ${held.seq} is not the one anchored outside this object at ${held.at}: the log was rewritten or truncated`,
          anchor: { ...held, matches },
        };
      },
      { cost: 10 },
    );
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

  // ------------------------------------------------------------------ administration

  async adminMembers(caller: Caller): Promise<RpcResult<MemberList>> {
    return this.#call(caller, "admin.read", () => ({ members: members.list(this.#db) }));
  }

  /** Adds a member (409 when the identity is one already: change it with PATCH). */
  async adminAddMember(caller: Caller, input: AdminMemberCreate, defaultIssuer: string): Promise<RpcResult<MemberChangeOutcome>> {
    return this.#call(caller, "members.write", (c) => {
      const m = parse(AdminMemberCreate, input);
      const issuer = m.issuer ?? parse(MemberChange.shape.defaultIssuer, defaultIssuer);
      this.#db.transaction(() => {
        if (members.get(this.#db, issuer, m.subject))
          throw new AppError("conflict", `${m.subject} is a member already; change it with PATCH`);
        members.upsert(this.#db, { issuer, subject: m.subject, role: m.role, email: m.email }, c.now);
        c.audit({ action: "member.add", target: `member:${issuer}|${m.subject}`, outcome: "ok", reason: `as ${m.role}` });
      });
      const member = members.get(this.#db, issuer, m.subject);
      if (!member) throw new AppError("internal", "member vanished after write");
      return { member, previous: null, socketsClosed: 0 };
    });
  }

  /**
   * Role, status or e-mail of a member. Suspension and role changes take effect on the member's
   * next call (this object decides every call) and close their sockets; the last active admin
   * cannot be suspended or demoted.
   */
  async adminPatchMember(caller: Caller, change: MemberChange, patch: AdminMemberPatch): Promise<RpcResult<MemberChangeOutcome>> {
    return this.#call(caller, "members.write", (c) => {
      const who = parse(MemberChange, change);
      const p = parse(AdminMemberPatch, patch);
      const previous = this.#db.transaction(() => {
        const current = this.#member(who);
        const next = {
          role: p.role ?? current.role,
          status: p.status ?? current.status,
          email: p.email === undefined ? current.email : p.email,
        };
        this.#keepAnAdmin(current, next.role === "admin" && next.status === "active");
        if (members.patch(this.#db, current.issuer, current.subject, next, c.now)) {
          const what = Object.entries(p).map(([k, v]) => `${k}=${k === "email" ? (v === null ? "none" : "changed") : String(v)}`);
          c.audit({
            action: "member.update",
            target: `member:${current.issuer}|${current.subject}`,
            outcome: "ok",
            reason: what.join(", "),
          });
        }
        return current;
      });
      const member = members.get(this.#db, previous.issuer, previous.subject);
      if (!member) throw new AppError("internal", "member vanished after write");
      const revoked = member.status !== "active" || member.role !== previous.role;
      const socketsClosed = revoked ? this.#closeSocketsOf(member.issuer, member.subject, "membership changed") : 0;
      return { member, previous, socketsClosed };
    });
  }

  /** Removes a member: refused from their next call on, their sockets closed. Not the last admin. */
  async adminRemoveMember(caller: Caller, change: MemberChange): Promise<RpcResult<MemberChangeOutcome>> {
    return this.#call(caller, "members.write", (c) => {
      const who = parse(MemberChange, change);
      const removed = this.#db.transaction(() => {
        const current = this.#member(who);
        this.#keepAnAdmin(current, false);
        members.remove(this.#db, current.issuer, current.subject);
        c.audit({
          action: "member.remove",
          target: `member:${current.issuer}|${current.subject}`,
          outcome: "ok",
          reason: `was ${current.role}`,
        });
        return current;
      });
      const socketsClosed = this.#closeSocketsOf(removed.issuer, removed.subject, "membership removed");
      return { member: removed, previous: removed, socketsClosed };
    });
  }

  async getSettings(caller: Caller): Promise<RpcResult<SettingsView>> {
    return this.#call(caller, "admin.read", () => this.#settingsView());
  }

  /** Replaces the settings (omitted fields fall back to the platform's defaults), within the platform's bounds. */
  async putSettings(caller: Caller, input: SettingsPut): Promise<RpcResult<SettingsView>> {
    return this.#call(caller, "settings.write", (c) => {
      const put = parse(SettingsPut, input);
      const errors: FieldError[] = [];
      const tenantMax = this.#limits.maxTenantPerMinute;
      const userMax = this.#limits.maxUserPerMinute;
      if ((put.rateLimits?.tenantPerMinute ?? 0) > tenantMax)
        errors.push({ path: "rateLimits.tenantPerMinute", message: `at most ${tenantMax} (the platform's bound)` });
      if ((put.rateLimits?.userPerMinute ?? 0) > userMax)
        errors.push({ path: "rateLimits.userPerMinute", message: `at most ${userMax} (the platform's bound)` });
      if (errors.length > 0) throw new AppError("validation_failed", "settings outside the platform's bounds", { errors });
      const next: TenantSettings = {
        ...(put.dataMode === undefined ? {} : { dataMode: put.dataMode }),
        ...(put.rateLimits === undefined ? {} : { rateLimits: put.rateLimits }),
        ...(put.chatRetentionDays == null ? {} : { chatRetentionDays: put.chatRetentionDays }),
      };
      this.#db.transaction(() => {
        settings.put(this.#db, next);
        c.audit({ action: "settings.update", target: null, outcome: "ok", reason: JSON.stringify(next).slice(0, 500) });
      });
      // A retention period or metadata-only mode applies to what is stored now, not only from tomorrow.
      if (next.chatRetentionDays !== undefined || next.dataMode === "metadata-only")
        this.#enqueue("retention-purge", c.principal, (reason) =>
          c.audit({ action: "retention.purge", target: null, outcome: "ok", reason }),
        );
      return this.#settingsView();
    });
  }

  /** The tenant's records as a stream of NDJSON lines (schemas/export.ts); admin only, audited. */
  async exportTenant(caller: Caller): Promise<RpcResult<ReadableStream<Uint8Array>>> {
    return this.#call(
      caller,
      "export",
      (c) => {
        c.audit({ action: "export", target: null, outcome: "ok", reason: null });
        return exportStream(this.#db, c.meta, audit.head(this.#db));
      },
      { cost: 10 },
    );
  }

  /**
   * Imports an export into this tenant, which must hold no records yet (409 otherwise): every
   * line validated as it streams in, then all applied in one transaction, or nothing.
   */
  async importTenant(caller: Caller, body: ReadableStream<Uint8Array>): Promise<RpcResult<ImportResult & { written: MemberRef[] }>> {
    return this.#call(
      caller,
      "import",
      async (c) => {
        const notEmpty = () => new AppError("conflict", "the tenant already holds records: import only into an empty tenant");
        if (this.#importing) throw new AppError("conflict", "an import is already running for this tenant");
        if (holdsRecords(this.#db)) throw notEmpty();
        this.#importing = true;
        try {
          const staged = await stageImport(this.#db, body);
          const written = this.#db.transaction(() => {
            // Writes may have arrived while the upload streamed in.
            if (holdsRecords(this.#db)) throw notEmpty();
            const members = applyImport(this.#db, staged);
            c.audit({
              action: "import",
              target: `tenant:${staged.header.tenant.id}`,
              outcome: "ok",
              reason: `${staged.records} records, ${staged.footer.digest}`,
            });
            return members;
          });
          return {
            source: { tenant: staged.header.tenant.id, exportedAt: staged.header.exportedAt },
            counts: staged.counts,
            records: staged.records,
            digest: staged.footer.digest,
            members: written.length,
            written: written.map((m) => ({ issuer: m.issuer, subject: m.subject, role: m.role })),
          };
        } catch (error) {
          staging.clear(this.#db);
          throw error;
        } finally {
          this.#importing = false;
        }
      },
      { cost: 10 },
    );
  }

  /** Provider keys as masks and fingerprints: the key itself never leaves this object. */
  async providerKeyList(caller: Caller): Promise<RpcResult<ProviderKeyList>> {
    return this.#call(caller, "keys.manage", () => {
      const { keys, unreadable } = providerKeys.list(this.#db);
      if (unreadable > 0)
        console.warn(JSON.stringify({ level: "warn", msg: "unreadable provider key rows", tenant: this.ctx.id.name, unreadable }));
      return { keys: keys.map(toView) };
    });
  }

  /** Stores a provider key, sealed under the deployment's current KEK and bound to this tenant and provider. */
  async providerKeyPut(
    caller: Caller,
    provider: ProviderName,
    input: ProviderKeyPut,
  ): Promise<RpcResult<{ created: boolean; key: ProviderKeyView }>> {
    return this.#call(caller, "keys.manage", async (c) => {
      const name = parse(ProviderName, provider);
      const { key } = parse(ProviderKeyPut, input);
      const ring = this.#keyring();
      if (ring.current === null)
        throw new AppError("not_ready", "provider keys cannot be stored: PROVIDER_KEY_KEKS is not set on this deployment");
      const sealed = await encryptSecret(ring, key, providerKeyAad(c.meta.id, name));
      const write = { provider: name, ...sealed, fingerprint: await fingerprintOf(key), mask: maskOf(key) };
      const result = this.#db.transaction(() => {
        const stored = providerKeys.put(this.#db, write, new Date().toISOString());
        c.audit({
          action: "provider_key.put",
          target: `provider:${name}`,
          outcome: "ok",
          reason: `${write.fingerprint} under KEK v${sealed.kekVersion}`,
        });
        return stored;
      });
      return { created: result.created, key: toView(result.key) };
    });
  }

  async providerKeyDelete(caller: Caller, provider: ProviderName): Promise<RpcResult<{ removed: boolean }>> {
    return this.#call(caller, "keys.manage", (c) => {
      const name = parse(ProviderName, provider);
      return this.#db.transaction(() => {
        const removed = providerKeys.remove(this.#db, name);
        if (!removed) throw new AppError("not_found", `no ${name} key is stored`);
        c.audit({ action: "provider_key.delete", target: `provider:${name}`, outcome: "ok", reason: null });
        return { removed };
      });
    });
  }

  /** The deployment's KEK ring (the router refuses every call while PROVIDER_KEY_KEKS is malformed). */
  #keyring(): Keyring {
    const loaded = loadTenantConfig(this.env);
    if (!loaded.ok) throw new AppError("not_ready", "the deployment's configuration is invalid");
    return parseKeyring(loaded.config.PROVIDER_KEY_KEKS);
  }

  async #providerOverrides(tenantId: string): Promise<{ apiKey?: string }> {
    const apiKey = await this.#tenantProviderKey(tenantId);
    return apiKey === undefined ? {} : { apiKey };
  }

  /** The tenant's own key for the configured provider, if it stored one and it can be opened. */
  async #tenantProviderKey(tenantId: string): Promise<string | undefined> {
    const loaded = loadTenantConfig(this.env);
    if (!loaded.ok || loaded.config.COPILOT_PROVIDER !== "openai") return undefined;
    const stored = providerKeys.get(this.#db, "openai");
    if (!stored) return undefined;
    try {
      return await decryptSecret(this.#keyring(), stored, providerKeyAad(tenantId, "openai"));
    } catch (error) {
      // The deployment's key is used instead; the reason (never the key) goes to the log.
      const reason = error instanceof KeyUnavailableError ? error.reason : "error";
      console.warn(
        JSON.stringify({ level: "warn", msg: "tenant provider key unusable; using the deployment's key", tenant: tenantId, reason }),
      );
      return undefined;
    }
  }

  /** Queues a rebuild of the full-text index (202 with the task; asking again while one waits returns it). */
  async requestReindex(caller: Caller): Promise<RpcResult<Task>> {
    return this.#call(caller, "tasks.write", (c) =>
      this.#enqueue("reindex", c.principal, (reason) => c.audit({ action: "reindex", target: null, outcome: "ok", reason })),
    );
  }

  async task(caller: Caller, id: string): Promise<RpcResult<Task>> {
    return this.#call(caller, "admin.read", () => {
      const task = tasks.get(this.#db, id);
      if (!task) throw new AppError("not_found", `task ${id} not found`);
      return task;
    });
  }

  /** Records and index rows per kind, and the recent background tasks. */
  async indexCoverage(caller: Caller): Promise<RpcResult<IndexCoverage>> {
    return this.#call(caller, "admin.read", () => {
      const records = recordCounts(this.#db);
      const indexed = indexMaintenance.indexedCounts(this.#db);
      const kinds = Object.entries(records).map(([kind, n]) => ({ kind, records: n, indexed: indexed[kind] ?? 0 }));
      const total = kinds.reduce((n, k) => n + k.records, 0);
      const covered = kinds.reduce((n, k) => n + Math.min(k.indexed, k.records), 0);
      return {
        kinds,
        records: total,
        indexed: covered,
        coverage: total === 0 ? 1 : Math.round((covered / total) * 10_000) / 10_000,
        tasks: tasks.recent(this.#db, 10).tasks,
      };
    });
  }

  /** Platform: seal this tenant's provider keys under the current KEK (after a rotation). */
  async requestKeyReencryption(actor: string, requestId: string): Promise<RpcResult<Task>> {
    return this.#platform(() => {
      this.#requireMeta();
      return this.#enqueue("key-reencrypt", actor, (reason) =>
        this.#platformAudit(actor, requestId, "provider_key.reencrypt", "provider-keys", reason),
      );
    });
  }

  #enqueue(kind: TaskKind, by: string, audited: (reason: string) => void): Task {
    const queued = this.#db.transaction(() => {
      const result = tasks.enqueue(this.#db, kind, by, new Date().toISOString());
      if (!result)
        throw new AppError("rate_limited", `the background queue is full (${MAX_PENDING} tasks waiting); retry when they finish`, {
          retryAfterSeconds: 60,
        });
      if (result.created) audited(`queued ${result.task.id}`);
      return result.task;
    });
    this.#armAlarmSoon(0);
    return queued;
  }

  // ------------------------------------------------------------------ background work (the alarm)

  /**
   * The alarm drains the background queue one bounded step at a time and anchors the audit
   * head in the registry. Alarms are at-least-once and never overlap: each step's writes and
   * its progress commit together, so a step run twice changes nothing more.
   */
  override async onAlarm(): Promise<void> {
    this.#alarmAt = null;
    let backoffMs: number | null = null;
    try {
      await this.#ensureStarted();
      const meta = isInitialised(this.#db) ? tenantMeta.get(this.#db) : null;
      if (!meta) return;
      await this.#anchorAudit(meta.id);
      const task = tasks.next(this.#db);
      if (task && meta.status === "active") backoffMs = await this.#runStep(task, meta.id);
      this.#enqueueDueRetention();
    } catch (error) {
      this.#failure(error);
    } finally {
      await this.#armAlarm(backoffMs);
    }
  }

  /** One step of a task; returns a retry delay when the step failed (null otherwise). */
  async #runStep(task: Task, tenantId: string): Promise<number | null> {
    const now = new Date().toISOString();
    const step = stepFor(task, { db: this.#db, now, tenantId, settings: settings.get(this.#db), keyring: () => this.#keyring() });
    try {
      await step.prepare?.();
      this.#db.transaction(() => {
        const outcome = step.apply();
        tasks.update(
          this.#db,
          task.id,
          { status: outcome.finished ? "done" : "running", progress: outcome.progress, attempts: task.attempts, error: null },
          now,
        );
      });
      return null;
    } catch (error) {
      const attempts = task.attempts + 1;
      const failed = attempts >= MAX_TASK_ATTEMPTS;
      this.#failure(error);
      tasks.update(
        this.#db,
        task.id,
        {
          status: failed ? "failed" : "running",
          progress: task.progress,
          attempts,
          error: failed ? "gave up after repeated failures (see the logs)" : "step failed; retrying",
        },
        now,
      );
      return failed ? null : 1_000 * 2 ** attempts;
    }
  }

  /** Daily retention purge while a retention period (or metadata-only mode) is set. */
  #enqueueDueRetention(): void {
    const due = this.#retentionDueAt();
    if (due === null || due > Date.now()) return;
    tasks.enqueue(this.#db, "retention-purge", "schedule", new Date().toISOString());
  }

  #retentionDueAt(): number | null {
    const s = settings.get(this.#db);
    if (s.chatRetentionDays === undefined && s.dataMode !== "metadata-only") return null;
    const last = tasks.lastFinished(this.#db, "retention-purge");
    return last === null ? Date.now() : Date.parse(last) + 86_400_000;
  }

  /** Reports the audit head to the registry when it moved since the last report. */
  async #anchorAudit(tenantId: string): Promise<void> {
    const head = audit.head(this.#db);
    if (head.seq === 0 || head.seq === this.#anchoredSeq) return;
    await registry(this.env).anchorAudit(tenantId, { seq: head.seq, hash: head.hash, at: new Date().toISOString() });
    this.#anchoredSeq = head.seq;
  }

  /** Sets the alarm for the next piece of work: a task step, the next anchor, the next purge. */
  async #armAlarm(backoffMs: number | null): Promise<void> {
    if (!isInitialised(this.#db) || !tenantMeta.get(this.#db)) return;
    const now = Date.now();
    const candidates: number[] = [];
    if (tasks.pending(this.#db) > 0) candidates.push(now + (backoffMs ?? 0));
    if (audit.head(this.#db).seq !== this.#anchoredSeq) candidates.push(now + ANCHOR_DELAY_MS);
    const retention = this.#retentionDueAt();
    if (retention !== null) candidates.push(Math.max(now, retention));
    if (candidates.length === 0) return;
    await this.#setAlarm(Math.min(...candidates));
  }

  /** After a write: make sure an alarm comes within `delayMs` (without pushing an earlier one back). */
  #armAlarmSoon(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    // After the current transaction (storage calls are not allowed inside transactionSync).
    queueMicrotask(() => void this.#setAlarm(at).catch((error: unknown) => this.#failure(error)));
  }

  async #setAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current !== null && current <= at) {
      this.#alarmAt = current;
      return;
    }
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** Router-internal: a batch of request samples for this tenant's metrics (no caller: the router measured them). */
  async recordMetrics(batch: MetricSample[]): Promise<RpcResult<{ recorded: number }>> {
    return this.#platform(() => {
      const samples = parse(MetricBatch, batch);
      this.#requireMeta();
      this.#db.transaction(() => routeMetrics.record(this.#db, samples, Date.now()));
      return { recorded: samples.length };
    });
  }

  /** Per-route counts, 5xx errors, 429s and p50/p95 latency over the last hour or day, and the background queue. */
  async metricsReport(caller: Caller, query: MetricsQuery): Promise<RpcResult<MetricsReport>> {
    return this.#call(caller, "admin.read", () => {
      const q = parse(MetricsQuery, query);
      const from = Date.now() - (q.window === "hour" ? 3_600_000 : 86_400_000);
      const counts = tasks.counts(this.#db);
      return {
        window: q.window,
        from: new Date(from).toISOString(),
        routes: routeMetrics.since(this.#db, from),
        tasks: { queued: counts.queued, running: counts.running, failed: counts.failed },
      };
    });
  }

  #settingsView(): SettingsView {
    const s = settings.get(this.#db);
    const l = this.#limits;
    return {
      dataMode: s.dataMode ?? "full",
      rateLimits: {
        tenantPerMinute: Math.min(s.rateLimits?.tenantPerMinute ?? l.tenantPerMinute, l.maxTenantPerMinute),
        userPerMinute: Math.min(s.rateLimits?.userPerMinute ?? l.userPerMinute, l.maxUserPerMinute),
      },
      chatRetentionDays: s.chatRetentionDays ?? null,
      platform: {
        tenantPerMinute: l.tenantPerMinute,
        userPerMinute: l.userPerMinute,
        maxTenantPerMinute: l.maxTenantPerMinute,
        maxUserPerMinute: l.maxUserPerMinute,
      },
    };
  }

  /** The member a change names: its issuer if given, else the only (or the default issuer's) membership of the subject. */
  #member(who: MemberChange): Member {
    if (who.issuer !== undefined) {
      const m = members.get(this.#db, who.issuer, who.subject);
      if (!m) throw new AppError("not_found", `member ${who.subject} not found`);
      return m;
    }
    const all = members.bySubject(this.#db, who.subject);
    if (all.length === 0) throw new AppError("not_found", `member ${who.subject} not found`);
    if (all.length === 1 && all[0]) return all[0];
    const primary = all.find((m) => m.issuer === who.defaultIssuer);
    if (primary) return primary;
    throw new AppError("validation_failed", `${who.subject} is a member under ${all.length} identity providers; choose one`, {
      errors: [{ path: "issuer", message: `one of: ${all.map((m) => m.issuer).join(", ")}` }],
    });
  }

  /** Refuses a change that would leave the tenant without an active admin. */
  #keepAnAdmin(current: Member, staysActiveAdmin: boolean): void {
    const isActiveAdmin = current.role === "admin" && current.status === "active";
    if (isActiveAdmin && !staysActiveAdmin && members.activeAdmins(this.#db) <= 1) {
      throw new AppError("conflict", "this is the tenant's last active admin: add another admin first");
    }
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
      provider: providerFor(this.env, await this.#providerOverrides(c.meta.id)),
      signal,
      onDelta,
    });
    // Only a socket's cancel aborts the signal: a cancelled turn stores nothing.
    if (signal.aborted) throw new AnswerCancelled();
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

  // ------------------------------------------------------------------ realtime

  /** A single-use ticket (≤ 60 s) that opens one socket for this caller; only its hash is kept. */
  async issueTicket(caller: Caller): Promise<RpcResult<RealtimeTicket>> {
    return this.#call(caller, "jobs.read", async (c) => {
      const secret = newTicketSecret();
      const hash = await ticketHash(secret);
      const nowMs = Date.now();
      const expiresAtMs = nowMs + TICKET_TTL_SECONDS * 1000;
      tickets.put(this.#db, hash, { issuer: c.caller.issuer, subject: c.caller.subject, devRole: c.caller.devRole }, expiresAtMs);
      this.#purgeRealtime(nowMs);
      return { ticket: formatTicket(c.meta.id, c.meta.region, secret), expiresAt: new Date(expiresAtMs).toISOString() };
    });
  }

  /** Closes one member's sockets (removal, suspension, role change): they reconnect as what they are now. */
  #closeSocketsOf(issuer: string, subject: string, reason: string): number {
    return this.#closeSockets((s) => s.issuer === issuer && s.subject === subject, reason);
  }

  /**
   * WebSocket upgrades (the router forwards `GET /v1/realtime?ticket=…`). The ticket is consumed
   * and the identity checked by the same authority as every call, and a refusal is an HTTP answer
   * BEFORE any upgrade. The identity reaches onConnect through #opening, keyed by a connection id
   * chosen here (partyserver reads it from `_pk`); the ticket is removed from the URL partyserver
   * keeps in the attachment. Anything else is not an endpoint of this object.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return refusal("not_found", "not found");
    try {
      await this.#ensureStarted();
    } catch {
      return refusal("tenant_unavailable", "the tenant's storage failed to start");
    }
    const url = new URL(request.url);
    const parsed = parseTicket(url.searchParams.get("ticket") ?? "");
    const invalid = () => refusal("unauthenticated", "the ticket is invalid, used or expired");
    const meta = isInitialised(this.#db) ? tenantMeta.get(this.#db) : null;
    if (!parsed || !meta || meta.id !== parsed.tenantId) return invalid();
    const who = tickets.consume(this.#db, await ticketHash(parsed.secret), Date.now());
    if (!who) return invalid();
    const caller = this.#socketCaller(who, request.headers.get("x-request-id") ?? crypto.randomUUID());
    let role: Role;
    try {
      role = this.#authorize(caller, "jobs.read", 1, {}).role;
    } catch (error) {
      if (error instanceof AppError) return refusal(error.code, error.detail, error.retryAfterSeconds);
      this.#failure(error);
      return refusal("internal", "internal error");
    }
    const connectionId = crypto.randomUUID();
    this.#opening.set(connectionId, { ...who, role });
    const target = new URL(url.origin + url.pathname);
    target.searchParams.set("_pk", connectionId);
    try {
      return await super.fetch(new Request(target, { headers: request.headers }));
    } finally {
      this.#opening.delete(connectionId);
    }
  }

  override onConnect(connection: Connection): void {
    const who = this.#opening.get(connection.id);
    if (!who) return closeQuietly(connection, 1011, "connection identity missing");
    const now = Date.now();
    const state: ConnectionState = {
      v: 1,
      issuer: who.issuer,
      subject: who.subject,
      role: who.role,
      ...(who.devRole === null ? {} : { devRole: who.devRole }),
      connectedAt: now,
      msgWindowStart: now,
      msgCount: 0,
      strikes: 0,
    };
    connection.setState(state);
    const online = this.#onlineUsers(connection.id);
    online.set(state.subject, (online.get(state.subject) ?? 0) + 1);
    // The new socket learns who is online at once; the others hear of it (if it changes anything).
    send(connection, this.#presenceFrame());
    this.#broadcastPresence();
  }

  override onClose(connection: Connection): void {
    this.#forgetSocket(connection);
  }

  /** A socket leaves presence once, whether the client or the server closed it. */
  #forgetSocket(connection: Connection): void {
    if (this.#forgotten.has(connection.id)) return;
    if (this.#forgotten.size > 10_000) this.#forgotten.clear();
    this.#forgotten.add(connection.id);
    const state = readState(connection);
    const online = this.#onlineUsers(connection.id);
    if (state) {
      const left = (online.get(state.subject) ?? 1) - 1;
      if (left > 0) online.set(state.subject, left);
      else online.delete(state.subject);
    }
    this.#broadcastPresence();
  }

  readonly #forgotten = new Set<string>();

  /** Open sockets per user, kept in memory; rebuilt from the sockets after a wake-up. */
  #online: Map<string, number> | null = null;

  #onlineUsers(excluding: string): Map<string, number> {
    if (this.#online === null) {
      // Rebuilt without `excluding` (the caller adds or removes that socket itself) and without
      // sockets already forgotten but not yet gone from the runtime's list.
      const counts = new Map<string, number>();
      for (const s of this.#sockets(excluding)) {
        if (!this.#forgotten.has(s.id)) counts.set(s.state.subject, (counts.get(s.state.subject) ?? 0) + 1);
      }
      this.#online = counts;
    }
    return this.#online;
  }

  #presenceFrame(): string {
    return JSON.stringify({ type: "presence", online: [...(this.#online?.keys() ?? [])].sort() });
  }

  /** partyserver does not await a rejected onMessage into its own catch: nothing may escape here. */
  override async onMessage(connection: Connection, message: WSMessage): Promise<void> {
    try {
      await this.#onMessage(connection, message);
    } catch (error) {
      this.#failure(error);
      send(connection, errorFrame("internal", "internal error"));
    }
  }

  async #onMessage(connection: Connection, message: WSMessage): Promise<void> {
    let state = readState(connection);
    if (!state) return closeQuietly(connection, 1011, "connection state unreadable");
    const counted = countMessage(state, Date.now());
    state = counted.state;
    if (!counted.admitted) return this.#strike(connection, state, undefined, "too many messages on this connection");
    const parsed = parseClientFrame(message);
    if (state.strikes > 0) state = { ...state, strikes: 0 };
    connection.setState(state);
    if (!parsed.ok) return void send(connection, parsed.frame);
    const msg = parsed.message;
    if (msg.type === "cancel") return this.#cancel(connection, state, msg.id);
    const ctx = this.#socketAuthorize(connection, state, msg.id, msg.type === "ask" ? COPILOT_COST : 1);
    if (!ctx) return;
    if (msg.type === "resume") return this.#resume(connection, state, msg);
    await this.#ask(connection, ctx, msg);
  }

  /** Caller for a socket's identity; `requestId` ties its audit entries to the connection. */
  #socketCaller(who: { issuer: string; subject: string; devRole?: Role | null | undefined }, requestId: string): Caller {
    return parse(Caller, { issuer: who.issuer, subject: who.subject, email: null, devRole: who.devRole ?? null, requestId });
  }

  /**
   * Every ask and resume re-checks the authority (membership, role, suspension) and the per-user
   * rate limit. A refused member or suspended tenant gets an error and the socket closes (1008);
   * a rate refusal is a strike.
   */
  #socketAuthorize(connection: Connection, state: ConnectionState, id: string, cost: number): CallContext | null {
    try {
      return this.#authorize(this.#socketCaller(state, `ws:${connection.id}`), "copilot.ask", cost, {});
    } catch (error) {
      const code = error instanceof AppError ? error.code : "internal";
      if (!(error instanceof AppError)) this.#failure(error);
      if (code === "rate_limited") {
        this.#strike(connection, state, id, error instanceof AppError ? error.detail : "rate limited");
        return null;
      }
      send(connection, errorFrame(realtimeCode(code), error instanceof AppError ? error.detail : "internal error", id));
      if (code === "not_a_member" || code === "tenant_suspended" || code === "not_found") {
        closeQuietly(connection, 1008, code === "tenant_suspended" ? "tenant suspended" : "membership revoked");
        this.#forgetSocket(connection);
      }
      return null;
    }
  }

  #strike(connection: Connection, state: ConnectionState, id: string | undefined, detail: string): void {
    const next = { ...state, strikes: state.strikes + 1 };
    connection.setState(next);
    send(connection, errorFrame("rate_limited", detail, id));
    if (next.strikes >= MAX_STRIKES) {
      closeQuietly(connection, 1008, "rate limit exceeded");
      this.#forgetSocket(connection);
    }
  }

  async #ask(connection: Connection, ctx: CallContext, msg: Extract<ClientMessage, { type: "ask" }>): Promise<void> {
    const principal = ctx.principal;
    if (this.#streams.get(principal, msg.id)?.outcome === null) {
      return void send(connection, errorFrame("duplicate_id", "an answer with this id is still running", msg.id));
    }
    const stream = this.#streams.start(principal, msg.id, connection);
    streams.remove(this.#db, principal, msg.id);
    // Yield once so a cancel already queued behind this ask is read before the turn starts: a
    // provider without network I/O (extractive) would otherwise run to completion first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let outcome: StreamOutcome;
    try {
      if (stream.controller.signal.aborted) throw new AnswerCancelled();
      const { question, jobId, threadId } = msg;
      const ask = { question, ...(jobId === undefined ? {} : { jobId }), ...(threadId === undefined ? {} : { threadId }) };
      const answer = await this.#answer(ctx, ask, (text) => this.#pushDelta(stream, text), stream.controller.signal);
      outcome = { type: "answer", id: msg.id, ...answer };
    } catch (error) {
      if (error instanceof AnswerCancelled || stream.controller.signal.aborted) {
        outcome = errorFrame("cancelled", "the answer was cancelled", msg.id);
      } else if (error instanceof AppError) {
        outcome = errorFrame(realtimeCode(error.code), error.detail, msg.id);
      } else {
        this.#failure(error);
        outcome = errorFrame("internal", "internal error", msg.id);
      }
    }
    this.#finish(stream, outcome);
  }

  #pushDelta(stream: AnswerStream, text: string): void {
    stream.deltas.push(text);
    const frame = JSON.stringify({ type: "delta", id: stream.id, text });
    for (const [id, socket] of stream.listeners) if (!send(socket, frame)) stream.listeners.delete(id);
  }

  /** The outcome goes to every listener, then (full data mode) to SQLite for resumes after eviction. */
  #finish(stream: AnswerStream, outcome: StreamOutcome): void {
    stream.outcome = outcome;
    const frame = JSON.stringify(outcome);
    for (const socket of stream.listeners.values()) send(socket, frame);
    stream.listeners.clear();
    try {
      if (settings.get(this.#db).dataMode !== "metadata-only") {
        streams.put(this.#db, stream.principal, stream.id, JSON.stringify(stream.deltas), frame, Date.now());
      }
      this.#purgeRealtime(Date.now());
    } catch (error) {
      this.#failure(error);
    }
  }

  #cancel(connection: Connection, state: ConnectionState, id: string): void {
    const stream = this.#streams.get(principalOf(state), id);
    if (!stream) return void send(connection, errorFrame("unknown_id", `no answer ${id} on this tenant for you`, id));
    // A finished answer has nothing left to stop; its outcome was (or will be, on resume) delivered.
    if (stream.outcome === null) stream.controller.abort();
  }

  /**
   * The rest of an answer, exactly once: the deltas from index `after`, then the outcome if there
   * is one; a running answer keeps streaming to this socket. Only the asking principal's answers
   * are found; after an eviction, finished answers come from SQLite.
   */
  #resume(connection: Connection, state: ConnectionState, msg: Extract<ClientMessage, { type: "resume" }>): void {
    const principal = principalOf(state);
    const live = this.#streams.get(principal, msg.id);
    let deltas: string[];
    let outcome: StreamOutcome | null;
    if (live) {
      deltas = live.deltas;
      outcome = live.outcome;
    } else {
      const stored = streams.get(this.#db, principal, msg.id, Date.now());
      const storedDeltas = stored ? parseStoredJson(StoredDeltas, stored.deltas) : undefined;
      const storedOutcome = stored ? parseStoredJson(StreamOutcome, stored.outcome) : undefined;
      if (!storedDeltas || !storedOutcome) return void send(connection, errorFrame("unknown_id", `no answer ${msg.id} to resume`, msg.id));
      deltas = storedDeltas;
      outcome = storedOutcome;
    }
    if (msg.after > deltas.length) {
      return void send(connection, errorFrame("bad_message", `after: answer ${msg.id} has ${deltas.length} deltas so far`, msg.id));
    }
    for (let i = msg.after; i < deltas.length; i++) send(connection, { type: "delta", id: msg.id, text: deltas[i] ?? "" });
    if (outcome) send(connection, outcome);
    else live?.listeners.set(connection.id, connection);
  }

  /** Open sockets with a readable state (a malformed one is closed with 1011 on the way). */
  #sockets(excluding?: string): (Socket & { connection: Connection })[] {
    const out: (Socket & { connection: Connection })[] = [];
    for (const connection of this.getConnections()) {
      if (connection.id === excluding) continue;
      const state = readState(connection);
      if (!state) {
        closeQuietly(connection, 1011, "connection state unreadable");
        continue;
      }
      out.push({ id: connection.id, state, connection });
    }
    return out;
  }

  /**
   * `presence`: the distinct users with an open socket, to every open socket (all are members).
   * Joins and leaves are coalesced (one send per PRESENCE_COALESCE_MS at most) and nothing is
   * sent when the set of online users did not change: a burst of N connections costs a few
   * broadcasts, not N (measured: 1,000 joins sent 500,500 frames before this).
   */
  #broadcastPresence(): void {
    if (this.#presenceTimer !== undefined) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined;
      try {
        const frame = this.#presenceFrame();
        if (frame === this.#lastPresence) return;
        this.#lastPresence = frame;
        for (const connection of this.getConnections()) send(connection, frame);
      } catch (error) {
        this.#failure(error);
      }
    }, PRESENCE_COALESCE_MS);
  }

  #presenceTimer: ReturnType<typeof setTimeout> | undefined;
  #lastPresence: string | undefined;
  /**
   * Sends `job.updated` right after the current call returns, so a write's response never waits
   * for the fan-out (measured: a PATCH took 180–260 ms with 1,000 sockets when it did). The
   * recipients are the sockets open when the write committed, not ones that connect afterwards.
   */
  #notifyJobsUpdated(jobIds: readonly string[]): void {
    if (jobIds.length === 0 || this.ctx.getWebSockets().length === 0) return;
    const open = new Set<string>();
    for (const connection of this.getConnections()) open.add(connection.id);
    setTimeout(() => this.#sendJobUpdates(jobIds, open), 0);
  }

  /**
   * `job.updated` to every socket whose user may see the job now, and to nobody else. Called after
   * the write committed; never throws, so a failing notification cannot affect the write.
   */
  #sendJobUpdates(jobIds: readonly string[], recipients: ReadonlySet<string>): void {
    try {
      const sockets = this.#sockets().filter((s) => recipients.has(s.id));
      const roles = new Map<string, Role | null>();
      const plan = planJobUpdates(this.#db, jobIds, sockets, (state) => {
        const key = principalOf(state);
        if (!roles.has(key)) {
          const m = this.#membership({ issuer: state.issuer, subject: state.subject, devRole: state.devRole ?? null });
          roles.set(key, "refused" in m ? null : m.role);
        }
        return roles.get(key) ?? null;
      });
      for (const s of sockets) for (const jobId of plan.get(s.id) ?? []) send(s.connection, { type: "job.updated", jobId });
    } catch (error) {
      this.#failure(error);
    }
  }

  /** Closes matching sockets with 1008 (and stops their running answers); returns how many. */
  #closeSockets(match: (state: ConnectionState) => boolean, reason: string): number {
    let closed = 0;
    try {
      for (const s of this.#sockets()) {
        if (!match(s.state)) continue;
        closeQuietly(s.connection, 1008, reason);
        this.#forgetSocket(s.connection);
        closed++;
        for (const stream of this.#streams.running()) if (stream.principal === principalOf(s.state)) stream.controller.abort();
      }
    } catch (error) {
      this.#failure(error);
    }
    return closed;
  }

  /** Expired tickets and old answers go, at most once a minute (bounded tables, no alarm needed). */
  #purgeRealtime(nowMs: number): void {
    if (nowMs - this.#lastPurgeMs < 60_000) return;
    this.#lastPurgeMs = nowMs;
    tickets.prune(this.#db, nowMs);
    streams.purge(this.#db, nowMs);
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
    const report: { rate?: RateState; role?: Role } = {};
    try {
      await this.#ensureStarted();
      const caller = parse(Caller, callerInput);
      const ctx = this.#authorize(caller, action, options.cost ?? 1, report);
      return { ok: true, value: await run(ctx), rate: report.rate, role: report.role };
    } catch (error) {
      return { ...this.#failure(error), rate: report.rate, role: report.role };
    }
  }

  /**
   * The checks of the one guard, for a parsed caller: tenant provisioned and active → rate limit →
   * membership and role (the authority) → permission. Throws an AppError (denials audited);
   * `report` receives the rate state and role as soon as they are known. REST calls reach it
   * through #call, sockets (connect, ask, resume) directly.
   */
  #authorize(caller: Caller, action: Action, cost: number, report: { rate?: RateState; role?: Role }): CallContext {
    const meta = this.#requireMeta();
    if (meta.status === "suspended") throw new AppError("tenant_suspended", `tenant ${meta.id} is suspended`);
    const principal = `${caller.issuer}|${caller.subject}`;

    const limited = this.#takeRateLimit(principal, cost);
    report.rate = limited.state;
    if (limited.error) throw limited.error;

    const deny = (reason: string, code: "not_a_member" | "forbidden", role: string | null, detail: string): never => {
      this.#appendAudit({ actor: principal, role, action, target: null, outcome: "denied", reason, requestId: caller.requestId });
      throw new AppError(code, detail);
    };
    const membership = this.#membership(caller);
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
      visibility: () => (visibility ??= visibilityFor(this.#db, role, caller.subject)),
      audit: (e) => this.#appendAudit({ ...e, actor: principal, role, requestId: caller.requestId }),
    };
  }

  /** The authority's answer for an identity: its role, or why it is refused (dev roles only when dev auth is on). */
  #membership(who: { issuer: string; subject: string; devRole: Role | null }): { role: Role } | { refused: string; role: Role | null } {
    const member = members.get(this.#db, who.issuer, who.subject);
    if (who.devRole !== null) {
      if (!devAuthAllowed(this.env)) return { refused: "dev identity refused: dev auth is off", role: null };
      if (member && member.status !== "active") return { refused: "member suspended", role: member.role };
      return { role: who.devRole };
    }
    if (!member) return { refused: "not a member", role: null };
    if (member.status !== "active") return { refused: "member suspended", role: member.role };
    return { role: member.role };
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

  #failure(error: unknown): { ok: false; error: AppErrorData } {
    if (error instanceof AppError) return { ok: false, error: error.toData() };
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
    // The new head goes to the registry within ANCHOR_DELAY_MS (one alarm covers many entries).
    this.#armAlarmSoon(ANCHOR_DELAY_MS);
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
    throw new AppError("validation_failed", "the request does not match the schema", { errors: fieldErrors(result.error) });
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

/** An HTTP refusal of an upgrade: the router turns `{code, detail}` into its problem+json. */
function refusal(code: ErrorCode, detail: string, retryAfterSeconds?: number): Response {
  return Response.json({ code, detail, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) }, { status: ERROR_STATUS[code] });
}

/** An API error code as a socket error code (the ones a socket can meet; anything else is internal). */
function realtimeCode(code: ErrorCode): RealtimeErrorCode {
  const parsed = RealtimeErrorCode.safeParse(code);
  return parsed.success ? parsed.data : "internal";
}

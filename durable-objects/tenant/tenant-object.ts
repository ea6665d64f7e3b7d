/**
 * The tenant actor's wiring. Over 300 lines on purpose: one short method per RPC (about 50 of them), so
 * this file is the one list of everything the object answers, with the guard action and cost of
 * each; the work itself is in surfaces/, tasks/ and realtime/.
 */
import { Server, type Connection, type WSMessage } from "partyserver";
import type {
  AdminMemberCreate,
  AdminMemberPatch,
  IndexCoverage,
  MemberChange,
  MemberChangeOutcome,
  MemberList,
  MetricSample,
  MetricsQuery,
  MetricsReport,
  Task,
} from "../../schemas/admin";
import type { JobBrief } from "../../schemas/brief";
import type { AuditAnchor, AuditPage, AuditQuery, AuditVerification, AuditVerifyQuery } from "../../schemas/audit";
import type { Role } from "../../schemas/common";
import type { TenantDocumentDetail, TenantDocumentList } from "../../schemas/documents";
import type { CopilotAnswer, CopilotAsk, ThreadDetail, ThreadList, UsageQuery, UsageReport } from "../../schemas/copilot";
import { AppError } from "../../schemas/errors";
import type { ImportResult } from "../../schemas/export";
import type { Caller, Member } from "../../schemas/identity";
import type { IngestBody, IngestResult } from "../../schemas/ingest";
import type { JobContext, JobList, JobListQuery, JobPatch, NoteCreate } from "../../schemas/jobs";
import type { Preconditions, Tagged } from "../../schemas/preconditions";
import type { ProviderKeyList, ProviderKeyPut, ProviderKeyView, ProviderName } from "../../schemas/provider-keys";
import type { RealtimeTicket } from "../../schemas/realtime";
import type { Job, Note } from "../../schemas/records";
import type { RpcResult } from "../../schemas/rpc";
import type { SearchRequest } from "../../schemas/search";
import type { SettingsPut, SettingsView } from "../../schemas/settings";
import type {
  DeletionSummary,
  MemberUpsertInput,
  RestoreReceipt,
  RestoreRequest,
  Tenant,
  TenantProvision,
  TenantStatus,
} from "../../schemas/tenants";
import { platformLimits } from "./config";
import { audit } from "./data/audit";
import { Db } from "./data/db";
import { isInitialised, migrate } from "./data/migrations";
import { Guard } from "./guard";
import { RealtimeHub } from "./realtime/connections";
import { logFailure, type Runtime } from "./runtime";
import * as members from "./surfaces/admin/members";
import * as metrics from "./surfaces/admin/metrics";
import * as providerKeys from "./surfaces/admin/provider-keys";
import * as settings from "./surfaces/admin/settings";
import * as tasks from "./surfaces/admin/tasks";
import * as auditLog from "./surfaces/audit";
import { jobBrief } from "./surfaces/brief";
import * as copilot from "./surfaces/copilot";
import * as tenantDocuments from "./surfaces/documents";
import type { StoredDocument } from "./surfaces/documents";
import { exportTenant } from "./surfaces/export";
import { importTenant, type MemberRef } from "./surfaces/import";
import type { Idempotency } from "./surfaces/idempotent";
import { ingest } from "./surfaces/ingest";
import * as jobs from "./surfaces/jobs";
import * as lifecycle from "./surfaces/lifecycle";
import { search, type SearchOutcome } from "./surfaces/search";
import { AlarmWork } from "./tasks/alarm";
import { SemanticQueue } from "./tasks/embed";
import { ANCHOR_DELAY_MS, AlarmClock, enqueue } from "./tasks/queue";

/** Reading or writing the whole tenant (export, import, a full audit verification) costs this much rate-limit budget. */
const BULK_COST = 10;

/**
 * One Durable Object per tenant, addressed by `idFromName(tenantId)`. It owns all of the tenant's
 * data in its SQLite and is the authority on membership and role: every call carries the verified
 * identity, and the guard decides whether that identity may do what it asks.
 *
 * This class only wires: each RPC method passes through the guard to the module of its surface
 * (surfaces/*), the alarm to tasks/, the sockets to realtime/. The modules see the object through
 * one Runtime (runtime.ts).
 *
 * Over 300 lines on purpose: one short method per RPC (about 50 of them), so this file is the one list
 * of everything the object answers and the guard action and cost of each.
 *
 * Start-up has one path, #start, run first by every entry point: RPC calls through the guard,
 * socket and alarm entry points through partyserver's onStart, the upgrade through the socket
 * server. Storage is created only by `provision`, so a call to an id that was never provisioned
 * (or was deleted) answers "not found" and writes nothing. Once started, "storage exists" is a
 * flag (no query per call); the deletion's wipe (#wipe) clears it.
 */
export class TenantObject extends Server<Env> {
  static override options = { hibernate: true };

  readonly #db: Db;
  readonly #runtime: Runtime;
  readonly #guard: Guard;
  readonly #clock: AlarmClock;
  readonly #alarm: AlarmWork;
  readonly #realtime: RealtimeHub;
  #started = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = new Db(ctx.storage);
    this.#clock = new AlarmClock(ctx.storage, (error) => logFailure(ctx.id.name, error, "setting the alarm failed"));
    const currentEnv = () => this.env;
    const semantic = new SemanticQueue(this.#db, currentEnv, this.#clock);
    const rt: Runtime = {
      db: this.#db,
      get env() {
        return currentEnv();
      },
      storage: ctx.storage,
      limits: platformLimits(env),
      name: ctx.id.name,
      start: (createStorage) => this.#start(createStorage),
      wipe: () => this.#wipe(),
      appendAudit: (entry) => {
        audit.append(this.#db, entry, new Date().toISOString());
        // The new head reaches the registry within ANCHOR_DELAY_MS (one alarm covers many entries).
        this.#clock.soon(ANCHOR_DELAY_MS);
      },
      enqueue: (kind, by, audited) => enqueue(this.#db, this.#clock, kind, by, audited),
      sockets: {
        notifyJobsUpdated: (jobIds) => this.#realtime.notifyJobsUpdated(jobIds),
        closeSocketsOf: (issuer, subject, reason) => this.#realtime.closeSocketsOf(issuer, subject, reason),
        closeAll: (reason) => this.#realtime.closeAll(reason),
      },
      semantic,
      // After the current answer is on its way.
      restart: (reason) => void setTimeout(() => ctx.abort(reason), 0),
      importing: false,
    };
    this.#runtime = rt;
    this.#guard = new Guard(rt);
    this.#alarm = new AlarmWork(rt, this.#clock, semantic);
    this.#realtime = new RealtimeHub(rt, this.#guard, {
      connections: () => this.getConnections(),
      count: () => ctx.getWebSockets().length,
      accept: (request) => super.fetch(request),
    });
  }

  /**
   * The one start-up path (see the class comment). Synchronous SQL only, so no other call can
   * interleave with it; a failure is logged and answered as `tenant_unavailable`, and the next
   * call tries again (nothing is thrown from the constructor, which would reset the object in a loop).
   */
  #start(createStorage = false): boolean {
    if (this.#started) return true;
    try {
      if (!createStorage && !isInitialised(this.#db)) return false;
      migrate(this.#db);
      this.#started = true;
      return true;
    } catch (error) {
      logFailure(this.ctx.id.name, error, "tenant storage failed to start");
      throw new AppError("tenant_unavailable", "the tenant's storage failed to start; operators have been alerted");
    }
  }

  /**
   * The only way storage is wiped (a tenant's deletion). `#started` says "storage exists and is
   * current" for every later call, so it is cleared however the wipe ends: the next call reads
   * the truth from storage again.
   */
  async #wipe(): Promise<void> {
    try {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    } finally {
      this.#started = false;
    }
  }

  override onStart(): void {
    this.#start();
  }

  // ------------------------------------------------------------------ platform (operators verified by the router)

  async provision(input: TenantProvision, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#guard.platform(() => lifecycle.provision(this.#runtime, input, actor, requestId));
  }

  async platformUpsertMember(
    input: MemberUpsertInput,
    actor: string,
    requestId: string,
  ): Promise<RpcResult<{ member: Member; outcome: "inserted" | "updated" | "unchanged" }>> {
    return this.#guard.platform(() => lifecycle.upsertMember(this.#runtime, input, actor, requestId));
  }

  async platformListMembers(): Promise<RpcResult<MemberList>> {
    return this.#guard.platform(() => lifecycle.listMembers(this.#runtime));
  }

  async setStatus(status: TenantStatus, actor: string, requestId: string): Promise<RpcResult<Tenant>> {
    return this.#guard.platform(() => lifecycle.setStatus(this.#runtime, status, actor, requestId));
  }

  async prepareDeletion(actor: string, requestId: string): Promise<RpcResult<DeletionSummary>> {
    return this.#guard.platform(() => lifecycle.prepareDeletion(this.#runtime, actor, requestId));
  }

  async restoreTo(input: RestoreRequest, actor: string): Promise<RpcResult<RestoreReceipt>> {
    return this.#guard.platform(() => lifecycle.restoreTo(this.#runtime, input, actor));
  }

  async destroy(): Promise<RpcResult<{ wiped: boolean }>> {
    return this.#guard.platform(() => lifecycle.destroy(this.#runtime), { start: false });
  }

  async requestKeyReencryption(actor: string, requestId: string): Promise<RpcResult<Task>> {
    return this.#guard.platform(() => tasks.requestKeyReencryption(this.#runtime, actor, requestId));
  }

  async recordMetrics(batch: MetricSample[]): Promise<RpcResult<{ recorded: number }>> {
    return this.#guard.platform(() => metrics.recordMetrics(this.#runtime, batch));
  }

  // ------------------------------------------------------------------ members' calls

  async me(caller: Caller): Promise<RpcResult<{ tenant: Tenant; role: Role }>> {
    return this.#guard.call(caller, "me", (c) => lifecycle.me(c));
  }

  async ingest(caller: Caller, body: IngestBody, idem: Idempotency | null): Promise<RpcResult<IngestResult & { replayed: boolean }>> {
    return this.#guard.call(caller, "ingest", (c) => ingest(this.#runtime, c, body, idem));
  }

  async listJobs(caller: Caller, query: JobListQuery): Promise<RpcResult<JobList>> {
    return this.#guard.call(caller, "jobs.read", (c) => jobs.listJobs(this.#runtime, c, query));
  }

  async getJob(caller: Caller, jobId: string): Promise<RpcResult<Tagged<Job>>> {
    return this.#guard.call(caller, "jobs.read", (c) => jobs.getJob(this.#runtime, c, jobId));
  }

  async patchJob(caller: Caller, jobId: string, patch: JobPatch, pre: Preconditions = {}): Promise<RpcResult<Tagged<Job>>> {
    return this.#guard.call(caller, "jobs.write", (c) => jobs.patchJob(this.#runtime, c, jobId, patch, pre));
  }

  async addNote(
    caller: Caller,
    jobId: string,
    input: NoteCreate,
    idem: Idempotency | null = null,
  ): Promise<RpcResult<Note & { replayed: boolean }>> {
    return this.#guard.call(caller, "notes.write", (c) => jobs.addNote(this.#runtime, c, jobId, input, idem));
  }

  async jobContext(caller: Caller, jobId: string): Promise<RpcResult<JobContext>> {
    return this.#guard.call(caller, "jobs.read", (c) => jobs.jobContext(this.#runtime, c, jobId));
  }

  async search(caller: Caller, query: SearchRequest): Promise<RpcResult<SearchOutcome>> {
    return this.#guard.call(caller, "search", (c) => search(this.#runtime, c, query));
  }

  async auditPage(caller: Caller, query: AuditQuery): Promise<RpcResult<AuditPage>> {
    return this.#guard.call(caller, "audit.read", () => auditLog.auditPage(this.#runtime, query));
  }

  async auditVerify(caller: Caller, query: AuditVerifyQuery, anchor: AuditAnchor | null = null): Promise<RpcResult<AuditVerification>> {
    return this.#guard.call(caller, "audit.read", () => auditLog.auditVerify(this.#runtime, query, anchor), BULK_COST);
  }

  async ask(caller: Caller, input: CopilotAsk): Promise<RpcResult<CopilotAnswer>> {
    return this.#guard.call(caller, "copilot.ask", (c) => copilot.answerTurn(this.#runtime, c, input), copilot.COPILOT_COST);
  }

  async brief(caller: Caller, jobId: string): Promise<RpcResult<JobBrief>> {
    return this.#guard.call(caller, "copilot.ask", (c) => jobBrief(this.#runtime, c, jobId), copilot.COPILOT_COST);
  }

  async threads(caller: Caller): Promise<RpcResult<ThreadList>> {
    return this.#guard.call(caller, "copilot.ask", (c) => copilot.threads(this.#runtime, c));
  }

  async thread(caller: Caller, threadId: string): Promise<RpcResult<ThreadDetail>> {
    return this.#guard.call(caller, "copilot.ask", (c) => copilot.thread(this.#runtime, c, threadId));
  }

  async usageReport(caller: Caller, query: UsageQuery): Promise<RpcResult<UsageReport>> {
    return this.#guard.call(caller, "usage.read", () => copilot.usageReport(this.#runtime, query));
  }

  async issueTicket(caller: Caller): Promise<RpcResult<RealtimeTicket>> {
    return this.#guard.call(caller, "jobs.read", (c) => this.#realtime.issueTicket(c));
  }

  async listDocuments(caller: Caller): Promise<RpcResult<TenantDocumentList>> {
    return this.#guard.call(caller, "documents.read", () => tenantDocuments.listDocuments(this.#runtime));
  }

  async readDocument(caller: Caller, docId: string, version?: number): Promise<RpcResult<Tagged<TenantDocumentDetail>>> {
    return this.#guard.call(caller, "documents.read", () => tenantDocuments.readDocument(this.#runtime, docId, version));
  }

  // ------------------------------------------------------------------ administration

  /**
   * Whether the caller may read the shared library now: a member of this tenant (not a service
   * identity) of a tenant that is not suspended, within the rate limits (a library read costs like
   * any read). The router asks before every library read; the library itself holds no memberships.
   */
  async mayReadLibrary(caller: Caller): Promise<RpcResult<null>> {
    return this.#guard.call(caller, "library.read", () => null);
  }

  /**
   * Whether the caller may write documents (a denial is audited like any): the router asks before
   * it reads an upload, so no other member makes the Worker fetch a URL or parse a PDF.
   */
  async mayWriteDocuments(caller: Caller): Promise<RpcResult<null>> {
    return this.#guard.call(caller, "documents.write", () => null);
  }

  async createDocument(caller: Caller, input: unknown): Promise<RpcResult<StoredDocument>> {
    return this.#guard.call(caller, "documents.write", (c) => tenantDocuments.createDocument(this.#runtime, c, input));
  }

  async putDocumentVersion(caller: Caller, docId: string, input: unknown, pre: Preconditions = {}): Promise<RpcResult<StoredDocument>> {
    return this.#guard.call(caller, "documents.write", (c) => tenantDocuments.putDocumentVersion(this.#runtime, c, docId, input, pre));
  }

  async deleteDocument(caller: Caller, docId: string, pre: Preconditions = {}): Promise<RpcResult<null>> {
    return this.#guard.call(caller, "documents.write", (c) => (tenantDocuments.deleteDocument(this.#runtime, c, docId, pre), null));
  }

  async adminMembers(caller: Caller): Promise<RpcResult<MemberList>> {
    return this.#guard.call(caller, "admin.read", () => members.listMembers(this.#runtime));
  }

  async adminMember(caller: Caller, change: MemberChange): Promise<RpcResult<Tagged<Member>>> {
    return this.#guard.call(caller, "admin.read", () => members.getMember(this.#runtime, change));
  }

  async adminAddMember(caller: Caller, input: AdminMemberCreate, defaultIssuer: string): Promise<RpcResult<MemberChangeOutcome>> {
    return this.#guard.call(caller, "members.write", (c) => members.addMember(this.#runtime, c, input, defaultIssuer));
  }

  async adminPatchMember(
    caller: Caller,
    change: MemberChange,
    patch: AdminMemberPatch,
    pre: Preconditions = {},
  ): Promise<RpcResult<MemberChangeOutcome & { etag: string }>> {
    return this.#guard.call(caller, "members.write", (c) => members.patchMember(this.#runtime, c, change, patch, pre));
  }

  async adminRemoveMember(caller: Caller, change: MemberChange, pre: Preconditions = {}): Promise<RpcResult<MemberChangeOutcome>> {
    return this.#guard.call(caller, "members.write", (c) => members.removeMember(this.#runtime, c, change, pre));
  }

  async getSettings(caller: Caller): Promise<RpcResult<Tagged<SettingsView>>> {
    return this.#guard.call(caller, "admin.read", () => settings.getSettings(this.#runtime));
  }

  async putSettings(caller: Caller, input: SettingsPut, pre: Preconditions = {}): Promise<RpcResult<Tagged<SettingsView>>> {
    return this.#guard.call(caller, "settings.write", (c) => settings.putSettings(this.#runtime, c, input, pre));
  }

  async exportTenant(caller: Caller): Promise<RpcResult<ReadableStream<Uint8Array>>> {
    return this.#guard.call(caller, "export", (c) => exportTenant(this.#runtime, c), BULK_COST);
  }

  async importTenant(caller: Caller, body: ReadableStream<Uint8Array>): Promise<RpcResult<ImportResult & { written: MemberRef[] }>> {
    return this.#guard.call(caller, "import", (c) => importTenant(this.#runtime, c, body), BULK_COST);
  }

  async providerKeyList(caller: Caller): Promise<RpcResult<ProviderKeyList>> {
    return this.#guard.call(caller, "keys.manage", () => providerKeys.listKeys(this.#runtime));
  }

  async providerKeyGet(caller: Caller, provider: ProviderName): Promise<RpcResult<Tagged<ProviderKeyView>>> {
    return this.#guard.call(caller, "keys.manage", () => providerKeys.getKey(this.#runtime, provider));
  }

  async providerKeyPut(
    caller: Caller,
    provider: ProviderName,
    input: ProviderKeyPut,
    pre: Preconditions = {},
  ): Promise<RpcResult<{ created: boolean; key: ProviderKeyView; etag: string }>> {
    return this.#guard.call(caller, "keys.manage", (c) => providerKeys.putKey(this.#runtime, c, provider, input, pre));
  }

  async providerKeyDelete(caller: Caller, provider: ProviderName, pre: Preconditions = {}): Promise<RpcResult<{ removed: boolean }>> {
    return this.#guard.call(caller, "keys.manage", (c) => providerKeys.deleteKey(this.#runtime, c, provider, pre));
  }

  async requestReindex(caller: Caller): Promise<RpcResult<Task>> {
    return this.#guard.call(caller, "tasks.write", (c) => tasks.requestReindex(this.#runtime, c));
  }

  async task(caller: Caller, id: string): Promise<RpcResult<Task>> {
    return this.#guard.call(caller, "admin.read", () => tasks.task(this.#runtime, id));
  }

  async indexCoverage(caller: Caller): Promise<RpcResult<IndexCoverage>> {
    return this.#guard.call(caller, "admin.read", () => tasks.indexCoverage(this.#runtime));
  }

  async metricsReport(caller: Caller, query: MetricsQuery): Promise<RpcResult<MetricsReport>> {
    return this.#guard.call(caller, "admin.read", () => metrics.metricsReport(this.#runtime, query));
  }

  // ------------------------------------------------------------------ alarm and sockets

  override async onAlarm(): Promise<void> {
    await this.#alarm.run();
  }

  override async fetch(request: Request): Promise<Response> {
    return this.#realtime.upgrade(request);
  }

  override onConnect(connection: Connection): void {
    this.#realtime.connected(connection);
  }

  override onClose(connection: Connection, code: number): void {
    this.#realtime.closed(connection, code);
  }

  override async onMessage(connection: Connection, message: WSMessage): Promise<void> {
    await this.#realtime.message(connection, message);
  }
}

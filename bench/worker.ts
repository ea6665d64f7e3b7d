/**
 * Bench-only Worker (bench/wrangler.bench.jsonc; never deployed). It is the real app — the same
 * router, middleware, Directory and TenantObject — plus a few `/v1/__bench/*` routes and RPC
 * methods that stop a request at a chosen layer, so the benchmarks can say where the time goes:
 *
 *   after-auth     the router's whole middleware chain including JWT verification, then stop
 *   after-select   + tenant selection (directory lookup through the isolate cache)
 *   rpc-noop       + one Durable Object RPC round trip that does nothing
 *   validate-only  POST: + JSON parse and zod validation of an ingest body, no actor call
 *   rpc-echo       POST: + the validated body sent over RPC to the tenant object, which counts it
 *   notes          in-object ingest baselines over the shared corpus (bench/corpus.mjs): rows are
 *                  generated inside the object, so no HTTP, JSON, validation or auth is involved
 *   audit          appends N audit entries (the per-read cost of the hash-chained audit log)
 *   search-core    searchIndex.query as TenantObject.search runs it, N times in one call
 *   index-scan     one full pass over the FTS index (the periodic index-size refresh)
 *   rate-limits    sets the tenant's own rate limits through the settings data-access module
 *   attachments    the serialized attachments of the object's open sockets (sizes and one sample)
 *   copilot-core   a copilot question's index query alone, its whole retrieval (retrieveEvidence), or
 *                  that and the extractive draft, N times in one call: no socket, guard or writes
 *
 * No SQL here: everything goes through the tenant object's data-access modules.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { audit } from "../durable-objects/tenant/data/audit";
import { Db } from "../durable-objects/tenant/data/db";
import { settings } from "../durable-objects/tenant/data/settings";
import { clients } from "../durable-objects/tenant/data/clients";
import { jobs } from "../durable-objects/tenant/data/jobs";
import { notes, type NoteTarget } from "../durable-objects/tenant/data/notes";
import { properties } from "../durable-objects/tenant/data/properties";
import { MAX_QUERY_TERMS, parseQuery, searchIndex, type QueryTerm } from "../durable-objects/tenant/data/search";
import { extractiveDraft } from "../durable-objects/tenant/copilot/extractive";
import { EVIDENCE_LIMIT } from "../durable-objects/tenant/copilot/index-hits";
import { retrieveEvidence } from "../durable-objects/tenant/copilot/retrieval";
import { contentTerms, indexWords } from "../durable-objects/tenant/copilot/text";
import { ingestBatch } from "../durable-objects/tenant/surfaces/ingest";
import { toPlainText } from "../durable-objects/tenant/sanitize";
import { TenantObject } from "../durable-objects/tenant/tenant-object";
import { searchScope, visibilityFor, visibleJob } from "../durable-objects/tenant/visibility";
import { RecordId, Role, UserId } from "../schemas/common";
import { IngestBody } from "../schemas/ingest";
import type { NoteInput } from "../schemas/records";
import { createApp } from "../src/app";
import { json, jsonBody } from "../src/routes/shared";
import { selectedTenant } from "../src/tenancy/call";
import { notes as corpusNotes } from "./corpus.mjs";
import * as exportBench from "./export-object";
import { benchSemanticBindings, SEMANTIC_ON_PREFIX } from "./semantic-bindings";

export { Directory } from "../durable-objects/directory/directory";
export { KnowledgeLibrary } from "../durable-objects/knowledge/library-object";

/** What the in-object baseline does with a batch of generated notes. */
const NotesOp = z.enum([
  "generate", // build the note objects only (subtracted from the others)
  "parse", // + the ingest body's zod schema, as the object runs it on every ingest
  "lookup", // + one reference lookup per note, as ingestBatch does (read-only)
  "sanitize", // + HTML-to-text per note, as ingestBatch does
  "raw", // + notes.upsert for every row in one transaction (the raw-insert baseline)
  "ingest-core", // ingestBatch itself: references, sanitising, upserts, one transaction
]);
type NotesOp = z.infer<typeof NotesOp>;
const NotesRequest = z.strictObject({ op: NotesOp, from: z.number().int().min(0), count: z.number().int().min(1).max(10_000) });
type NotesRequest = z.infer<typeof NotesRequest>;
const RateLimitsRequest = z.strictObject({ tenantPerMinute: z.number().int().positive(), userPerMinute: z.number().int().positive() });
type RateLimitsRequest = z.infer<typeof RateLimitsRequest>;
const AuditRequest = z.strictObject({ count: z.number().int().min(1).max(10_000) });
const SearchCoreRequest = z.strictObject({
  q: z.string().min(1).max(5_000),
  subject: UserId,
  role: Role,
  jobId: RecordId.optional(),
  repeat: z.number().int().min(1).max(100),
});
type SearchCoreRequest = z.infer<typeof SearchCoreRequest>;
const CopilotCoreRequest = z.strictObject({
  question: z.string().min(1).max(2_000),
  subject: UserId,
  role: Role,
  jobId: RecordId.optional(),
  /**
   * `search`: the index query retrieveEvidence starts with; `search-exact`: the same words without
   * prefix matching; `retrieve`: retrieveEvidence; `draft`: it and the extractive draft.
   */
  stage: z.enum(["search", "search-exact", "retrieve", "draft"]),
  repeat: z.number().int().min(1).max(100),
});
type CopilotCoreRequest = z.infer<typeof CopilotCoreRequest>;
const CopilotCoreResult = z.object({ evidence: z.number().int(), declined: z.boolean().nullable() });
type CopilotCoreResult = z.infer<typeof CopilotCoreResult>;

/**
 * Tenant objects constructed in this isolate (locally the router and every object share one
 * isolate): read by `/v1/__bench/isolate` WITHOUT calling an object, so the realtime benchmark can
 * tell whether an idle object with hibernated sockets was evicted (a wake-up constructs it again).
 */
const isolateInfo = { startedAt: new Date().toISOString(), objectsConstructed: 0, lastConstructedAt: null as string | null };

/** The real tenant object plus bench-only RPC methods (it cannot reach TenantObject's private fields). */
export class BenchTenantObject extends TenantObject {
  readonly #benchDb: Db;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The semantic benchmark's "on" tenant has stand-in AI and Vectorize bindings (bench/semantic-bindings.ts).
    if (ctx.id.name?.startsWith(SEMANTIC_ON_PREFIX)) (this as unknown as { env: Env }).env = { ...env, ...benchSemanticBindings() } as Env;
    isolateInfo.objectsConstructed++;
    isolateInfo.lastConstructedAt = new Date().toISOString();
    this.#benchDb = new Db(ctx.storage);
  }

  benchNoop(): number {
    return 1;
  }

  /** Receives an ingest body over RPC and only counts it: the price of moving the body to the actor. */
  benchAccept(body: IngestBody): number {
    return body.notes?.length ?? 0;
  }

  benchNotes(input: NotesRequest): { op: NotesOp; rows: number } {
    const { op, from, count } = NotesRequest.parse(input);
    const db = this.#benchDb;
    const rows: NoteInput[] = corpusNotes(from, count);
    const now = new Date().toISOString();
    switch (op) {
      case "generate":
        return { op, rows: rows.length };
      case "parse":
        return { op, rows: IngestBody.parse({ notes: rows }).notes?.length ?? 0 };
      case "lookup":
        return { op, rows: rows.filter((n) => targetOf(db, n) !== null).length };
      case "sanitize":
        return { op, rows: rows.filter((n) => toPlainText(n.body) !== "").length };
      case "raw": {
        // One lookup per distinct target, outside the measured intent: the baseline is the insert itself.
        const targets = new Map<string, NoteTarget | null>();
        const cachedTarget = (n: NoteInput): NoteTarget => {
          const key = `${n.jobId}|${n.clientId}|${n.propertyId}`;
          if (!targets.has(key)) targets.set(key, targetOf(db, n));
          const target = targets.get(key);
          if (!target) throw new Error(`corpus note ${n.id} refers to a record that was not ingested`);
          return target;
        };
        let written = 0;
        db.transaction(() => {
          for (const n of rows) if (notes.upsert(db, n, cachedTarget(n), now) !== "unchanged") written++;
        });
        return { op, rows: written };
      }
      case "ingest-core":
        // All or nothing: it throws unless every row was written.
        ingestBatch(db, { notes: rows }, now);
        return { op, rows: rows.length };
    }
  }

  /** Appends `count` audit entries, each as a context read appends one (hash of the head + insert). */
  benchAudit(input: { count: number }): number {
    const { count } = AuditRequest.parse(input);
    for (let i = 0; i < count; i++)
      audit.append(
        this.#benchDb,
        { actor: "bench", role: null, action: "bench.audit", target: null, outcome: "ok", reason: null, requestId: null },
        new Date().toISOString(),
      );
    return count;
  }

  /**
   * The search itself, as TenantObject.search runs it (visibility, scope, searchIndex.query),
   * `repeat` times in one call: no HTTP, no guard, no snippets, no RPC per query.
   */
  benchSearchCore(input: SearchCoreRequest): { hits: number; scopeTokens: number | null } {
    const { q, subject, role, jobId, repeat } = SearchCoreRequest.parse(input);
    const db = this.#benchDb;
    const visibility = visibilityFor(db, role, subject);
    const job = jobId === undefined ? null : visibleJob(db, visibility, jobId);
    if (job === "missing" || job === "hidden") throw new Error(`job ${jobId} is not visible`);
    const scope = searchScope(visibility, job);
    const terms = parseQuery(q);
    let hits = 0;
    for (let i = 0; i < repeat; i++) hits = searchIndex.query(db, terms, scope, 20).hits.length;
    return { hits, scopeTokens: scope === null ? null : scope.length };
  }

  /**
   * What a copilot answer computes before its first delta, as composeAnswer runs it for the
   * extractive provider: retrieval under the caller's visibility, then (stage `draft`) the whole
   * extractive draft, `repeat` times in one call.
   */
  benchCopilotCore(input: CopilotCoreRequest): CopilotCoreResult {
    const { question, subject, role, jobId, stage, repeat } = CopilotCoreRequest.parse(input);
    const db = this.#benchDb;
    const visibility = visibilityFor(db, role, subject);
    const job = jobId === undefined ? null : visibleJob(db, visibility, jobId);
    if (job === "missing" || job === "hidden") throw new Error(`job ${jobId} is not visible`);
    let out: CopilotCoreResult = { evidence: 0, declined: null };
    if (stage === "search" || stage === "search-exact") {
      // The same query retrieveEvidence runs first (its terms, scope and EVIDENCE_LIMIT), before any expansion.
      const query: QueryTerm[] = [];
      for (const term of contentTerms(question))
        for (const w of indexWords(term))
          if (!query.some((q) => q.word === w.word)) query.push(stage === "search" ? w : { word: w.word, prefix: false });
      const scope = searchScope(visibility, job);
      for (let i = 0; i < repeat; i++)
        out = { evidence: searchIndex.query(db, query.slice(0, MAX_QUERY_TERMS), scope, EVIDENCE_LIMIT).hits.length, declined: null };
      return out;
    }
    for (let i = 0; i < repeat; i++) {
      const { terms, evidence } = retrieveEvidence(db, question, visibility, job);
      out = {
        evidence: evidence.length,
        declined: stage === "draft" && evidence.length > 0 ? extractiveDraft({ terms, evidence }).declined : null,
      };
    }
    return out;
  }

  /** One full pass over the FTS index (what the periodic index-size refresh in search.ts costs). */
  benchIndexScan(): number {
    return Object.values(searchIndex.countByKind(this.#benchDb)).reduce((a, b) => a + b, 0);
  }

  /**
   * What the object keeps per socket by construction: each socket's whole attachment as stored
   * (partyserver's `__pk` envelope with the id, tags and URI, plus our ConnectionState under
   * `__user`), read with the prototype method because partyserver shadows it per connection.
   * Calling this wakes the object and gives every socket a JS wrapper: call it last.
   */
  benchAttachments(): { sockets: number; jsonBytes: { min: number; p50: number; max: number } | null; sample: unknown } {
    const sockets = this.ctx.getWebSockets();
    const read = (ws: WebSocket): unknown => WebSocket.prototype.deserializeAttachment.call(ws);
    const sizes = sockets.map((ws) => JSON.stringify(read(ws) ?? null).length).sort((a, b) => a - b);
    return {
      sockets: sockets.length,
      jsonBytes: sizes.length ? { min: sizes[0]!, p50: sizes[Math.floor(sizes.length / 2)]!, max: sizes[sizes.length - 1]! } : null,
      sample: sockets.length ? read(sockets[0]!) : null,
    };
  }

  benchSetRateLimits(input: RateLimitsRequest): RateLimitsRequest {
    const limits = RateLimitsRequest.parse(input);
    settings.put(this.#benchDb, { ...settings.get(this.#benchDb), rateLimits: limits });
    return limits;
  }

  // ---- export and import (bench/export-object.ts)

  benchExportCore(input: exportBench.ExportCoreRequest): Promise<exportBench.ExportCoreResult> {
    return exportBench.exportInObject(this.#benchDb, input);
  }

  /** The export stream itself, handed over RPC without the guard or audit (what the router receives). */
  benchExportStream(): ReadableStream<Uint8Array> {
    return exportBench.exportStreamOf(this.#benchDb);
  }

  benchStageOwnExport(): Promise<{ records: number }> {
    return exportBench.stageOwnExport(this.#benchDb);
  }

  benchRestoreNotes(input: exportBench.RestoreNotesRequest): { rows: number } {
    return exportBench.restoreCorpusNotes(this.#benchDb, input);
  }
}

/** The note's single target as primary keys, or null when it does not exist (as ingestBatch resolves it). */
function targetOf(db: Db, n: NoteInput): NoteTarget | null {
  if (n.jobId !== undefined) {
    const jobPk = jobs.pkOf(db, n.jobId);
    return jobPk === null ? null : { jobPk, clientPk: null, propertyPk: null };
  }
  if (n.clientId !== undefined) {
    const clientPk = clients.pkOf(db, n.clientId);
    return clientPk === null ? null : { jobPk: null, clientPk, propertyPk: null };
  }
  const propertyPk = n.propertyId === undefined ? null : (properties.refOf(db, n.propertyId)?.pk ?? null);
  return propertyPk === null ? null : { jobPk: null, clientPk: null, propertyPk };
}

type BenchStub = DurableObjectStub<BenchTenantObject>;
const benchStub = (stub: unknown) => stub as BenchStub;

const app = createApp();

app.get("/v1/__bench/isolate", (c) => c.json(isolateInfo));
app.get("/v1/__bench/after-auth", (c) => c.json({ subject: c.get("principal").subject }));
app.get("/v1/__bench/after-select", async (c) => c.json({ tenantId: (await selectedTenant(c)).tenantId }));
app.get("/v1/__bench/rpc-noop", async (c) => c.json({ value: await benchStub((await selectedTenant(c)).stub).benchNoop() }));
app.get("/v1/__bench/attachments", async (c) => c.json(await benchStub((await selectedTenant(c)).stub).benchAttachments()));

const Count = z.object({ count: z.number().int() });
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/validate-only",
    request: { body: jsonBody(IngestBody) },
    responses: { 200: json(Count, "Notes in the validated body") },
  }),
  (c) => c.json({ count: c.req.valid("json").notes?.length ?? 0 }, 200),
);
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/rpc-echo",
    request: { body: jsonBody(IngestBody) },
    responses: { 200: json(Count, "Notes the tenant object received") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const selected = await selectedTenant(c);
    return c.json({ count: await benchStub(selected.stub).benchAccept(body) }, 200);
  },
);
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/notes",
    request: { body: jsonBody(NotesRequest) },
    responses: { 200: json(z.object({ op: NotesOp, rows: z.number().int() }), "Rows handled") },
  }),
  async (c) => {
    const selected = await selectedTenant(c);
    return c.json(await benchStub(selected.stub).benchNotes(c.req.valid("json")), 200);
  },
);
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/audit",
    request: { body: jsonBody(AuditRequest) },
    responses: { 200: json(Count, "Entries appended") },
  }),
  async (c) => {
    const selected = await selectedTenant(c);
    return c.json({ count: await benchStub(selected.stub).benchAudit(c.req.valid("json")) }, 200);
  },
);
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/search-core",
    request: { body: jsonBody(SearchCoreRequest) },
    responses: { 200: json(z.object({ hits: z.number().int(), scopeTokens: z.number().int().nullable() }), "Hits of the last run") },
  }),
  async (c) => {
    const selected = await selectedTenant(c);
    return c.json(await benchStub(selected.stub).benchSearchCore(c.req.valid("json")), 200);
  },
);
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/copilot-core",
    request: { body: jsonBody(CopilotCoreRequest) },
    responses: { 200: json(CopilotCoreResult, "Evidence records of the last run, and whether its draft declined") },
  }),
  async (c) => {
    const selected = await selectedTenant(c);
    return c.json(await benchStub(selected.stub).benchCopilotCore(c.req.valid("json")), 200);
  },
);
app.post("/v1/__bench/index-scan", async (c) => c.json({ rows: await benchStub((await selectedTenant(c)).stub).benchIndexScan() }));
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/rate-limits",
    request: { body: jsonBody(RateLimitsRequest) },
    responses: { 200: json(RateLimitsRequest, "The tenant's limits now") },
  }),
  async (c) => {
    const selected = await selectedTenant(c);
    return c.json(await benchStub(selected.stub).benchSetRateLimits(c.req.valid("json")), 200);
  },
);

// ---- export and import: in-object baselines (bench/export-object.ts)
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/export-core",
    request: { body: jsonBody(exportBench.ExportCoreRequest) },
    responses: {
      200: json(z.object({ stage: exportBench.ExportStage, records: z.number().int(), bytes: z.number().int() }), "What the stage read"),
    },
  }),
  async (c) => c.json(await benchStub((await selectedTenant(c)).stub).benchExportCore(c.req.valid("json")), 200),
);
// The same stream as an HTTP response WITHOUT Content-Encoding: the route's own response is gzip
// here unless `?encoding=identity` (the router sees a normalised "br, gzip"; see docs/benchmarks.md,
// "Export and import").
app.get("/v1/__bench/export-http", async (c) => {
  const stream = await benchStub((await selectedTenant(c)).stub).benchExportStream();
  return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
});
app.post("/v1/__bench/import-stage", async (c) => c.json(await benchStub((await selectedTenant(c)).stub).benchStageOwnExport()));
app.openapi(
  createRoute({
    method: "post",
    path: "/v1/__bench/restore-notes",
    request: { body: jsonBody(exportBench.RestoreNotesRequest) },
    responses: { 200: json(z.object({ rows: z.number().int() }), "Notes generated or written") },
  }),
  async (c) => c.json(await benchStub((await selectedTenant(c)).stub).benchRestoreNotes(c.req.valid("json")), 200),
);

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;

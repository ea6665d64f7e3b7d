/**
 * In-object baselines for the export and import benchmark (bench/export.mjs), called by
 * bench/worker.ts's BenchTenantObject. They read and write only through the data-access modules
 * and the export/import code itself (durable-objects/tenant/surfaces/export.ts and
 * surfaces/import-staging.ts); no SQL here.
 *
 * Export stages, each doing everything the one before does plus one step, so the driver can say
 * where an export's time goes:
 *
 *   page    every row of every kind through the data modules' export pages (no JSON)
 *   json    + one `JSON.stringify({kind, data})` line per row
 *   hash    + SHA-256 over every line (the footer's digest)
 *   stream  the real `exportStream` (TextEncoder, 64 KB chunks, ReadableStream) read to the end
 *           inside the object: the export without RPC or HTTP
 */
import { documentExport } from "../durable-objects/tenant/surfaces/document-transfer";
import { createHash } from "node:crypto";
import { z } from "@hono/zod-openapi";
import { RECORD_KINDS, type RecordKind } from "../schemas/export";
import { audit } from "../durable-objects/tenant/data/audit";
import { chat } from "../durable-objects/tenant/data/chat";
import type { Db } from "../durable-objects/tenant/data/db";
import { members } from "../durable-objects/tenant/data/members";
import { tenantMeta } from "../durable-objects/tenant/data/meta";
import { settingsRecord, storedSettings } from "../durable-objects/tenant/settings";
import { clients } from "../durable-objects/tenant/data/clients";
import { events } from "../durable-objects/tenant/data/events";
import { jobs } from "../durable-objects/tenant/data/jobs";
import { notes, type NoteTarget } from "../durable-objects/tenant/data/notes";
import { properties } from "../durable-objects/tenant/data/properties";
import type { ExportPage } from "../durable-objects/tenant/data/rows";
import { staging } from "../durable-objects/tenant/data/staging";
import { usage } from "../durable-objects/tenant/data/usage";
import { EXPORT_PAGE, exportStream } from "../durable-objects/tenant/surfaces/export";
import { stageImport } from "../durable-objects/tenant/surfaces/import-staging";
import type { NoteInput } from "../schemas/records";
import { notes as corpusNotes } from "./corpus.mjs";

export const ExportStage = z.enum(["page", "json", "hash", "stream"]);
export type ExportStage = z.infer<typeof ExportStage>;
export const ExportCoreRequest = z.strictObject({ stage: ExportStage, pageSize: z.number().int().min(1).max(100_000).optional() });
export type ExportCoreRequest = z.infer<typeof ExportCoreRequest>;
export interface ExportCoreResult {
  stage: ExportStage;
  records: number;
  /** Bytes of the record lines (json, hash) or of the whole stream (stream); 0 for page. */
  bytes: number;
}

/** Rows of a keyed table, page by page, as the export's readers (surfaces/export.ts) walk them. */
function* paged<T, C>(read: (after: C | null) => ExportPage<T, C>): Generator<T> {
  let after: C | null = null;
  for (;;) {
    const page = read(after);
    yield* page.rows;
    if (page.next === null) return;
    after = page.next;
  }
}

/** Every exported row with its kind, in RECORD_KINDS order (the same pages as an export). */
function* exportRows(db: Db, pageSize: number): Generator<{ kind: RecordKind; data: unknown }> {
  const upTo = audit.head(db).seq;
  const n = pageSize;
  const from = (after: number | null) => after ?? 0;
  const docs = documentExport(db);
  const read: Record<RecordKind, () => Iterable<unknown>> = {
    settings: () => [settingsRecord(storedSettings(db))],
    member: () => paged((after: [string, string] | null) => members.exportPage(db, after, n)),
    client: () => paged((after: number | null) => clients.exportPage(db, from(after), n)),
    property: () => paged((after: number | null) => properties.exportPage(db, from(after), n)),
    job: () => paged((after: number | null) => jobs.exportPage(db, from(after), n)),
    note: () => paged((after: number | null) => notes.exportPage(db, from(after), n)),
    event: () => paged((after: number | null) => events.exportPage(db, from(after), n)),
    thread: () => paged((after: number | null) => chat.exportThreads(db, from(after), n)),
    message: () => paged((after: number | null) => chat.exportMessages(db, from(after), n)),
    usage: () => paged((after: [string, string] | null) => usage.exportPage(db, after, n)),
    document: docs.versions,
    "document.chunk": docs.chunks,
    audit: () => paged((after: number | null) => audit.exportPage(db, from(after), upTo, n)),
    "audit.archive": () => paged((after: [string, number] | null) => audit.exportArchive(db, after, n)),
  };
  for (const kind of RECORD_KINDS) for (const data of read[kind]()) yield { kind, data };
}

/** The tenant's export stream as TenantObject.exportTenant returns it, without the guard and its audit entry. */
export function exportStreamOf(db: Db): ReadableStream<Uint8Array> {
  const meta = tenantMeta.get(db);
  if (meta === null) throw new Error("the tenant has no meta record");
  return exportStream(db, meta, audit.head(db));
}

/** Runs one export stage over the whole tenant inside the object. */
export async function exportInObject(db: Db, input: ExportCoreRequest): Promise<ExportCoreResult> {
  const { stage, pageSize = EXPORT_PAGE } = ExportCoreRequest.parse(input);
  if (stage === "stream") {
    const reader = exportStreamOf(db).getReader();
    let bytes = 0;
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) lines++;
    }
    return { stage, records: lines - 2, bytes };
  }
  const digest = stage === "hash" ? createHash("sha256") : null;
  let records = 0;
  let bytes = 0;
  for (const row of exportRows(db, pageSize)) {
    records++;
    if (stage === "page") continue;
    const line = `${JSON.stringify(row)}\n`;
    bytes += line.length;
    digest?.update(line);
  }
  digest?.digest("hex");
  return { stage, records, bytes };
}

/**
 * The tenant's own export piped into `stageImport` inside the object (parse, zod, SHA-256 and the
 * staging insert of every line), then the staging table cleared: the first half of an import
 * without HTTP. Staging touches only the staging table, so the tenant's records are unchanged.
 */
export async function stageOwnExport(db: Db): Promise<{ records: number }> {
  try {
    const staged = await stageImport(db, exportStreamOf(db));
    return { records: staged.records };
  } finally {
    staging.clear(db);
  }
}

export const RestoreNotesRequest = z.strictObject({
  from: z.number().int().min(0),
  count: z.number().int().min(1).max(200_000),
  /** false: generate the notes only (the cost subtracted from the write). */
  write: z.boolean(),
});
export type RestoreNotesRequest = z.infer<typeof RestoreNotesRequest>;

/**
 * Corpus notes written as an import writes them: targets looked up per note, `notes.restore`
 * (INSERT … ON CONFLICT DO NOTHING, full-text triggers) for every row, all in ONE transaction.
 * The tenant must hold the corpus's clients, properties and jobs.
 */
export function restoreCorpusNotes(db: Db, input: RestoreNotesRequest): { rows: number } {
  const { from, count, write } = RestoreNotesRequest.parse(input);
  const rows: NoteInput[] = corpusNotes(from, count);
  if (!write) return { rows: rows.length };
  const now = new Date().toISOString();
  return db.transaction(() => {
    let written = 0;
    for (const n of rows) {
      const target: NoteTarget = { jobPk: null, clientPk: null, propertyPk: null };
      if (n.jobId !== undefined) target.jobPk = jobs.pkOf(db, n.jobId);
      else if (n.clientId !== undefined) target.clientPk = clients.pkOf(db, n.clientId);
      else if (n.propertyId !== undefined) target.propertyPk = properties.refOf(db, n.propertyId)?.pk ?? null;
      if (target.jobPk === null && target.clientPk === null && target.propertyPk === null)
        throw new Error(`corpus note ${n.id} refers to a record that was not ingested`);
      const restored = {
        id: n.id,
        body: n.body,
        jobId: n.jobId ?? null,
        clientId: n.clientId ?? null,
        propertyId: n.propertyId ?? null,
        authorId: n.authorId ?? null,
        createdAt: n.createdAt ?? now,
        updatedAt: n.createdAt ?? now,
      };
      if (notes.restore(db, restored, target)) written++;
    }
    return { rows: written };
  });
}

import { createHash, type Hash } from "node:crypto";
import type { AuditEntry } from "../../schemas/audit";
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  ExportFooter,
  ExportHeader,
  RECORD_KINDS,
  RecordLine,
  type RecordData,
  type RecordKind,
} from "../../schemas/export";
import { AppError } from "../../schemas/errors";
import { audit, GENESIS_HASH } from "./data/audit";
import { chat } from "./data/chat";
import type { Db } from "./data/db";
import { members } from "./data/members";
import { settings, type TenantMeta, type TenantSettings } from "./data/meta";
import { SCHEMA_VERSION } from "./data/migrations";
import { clients, events, jobs, notes, properties, type ExportPage } from "./data/records";
import { staging } from "./data/staging";
import { usage } from "./data/usage";

/**
 * Tenant export and import (NDJSON, schemas/export.ts).
 *
 * Export is a pull stream: each pull reads one page (EXPORT_PAGE rows) of one table by its key
 * and writes its lines, so the object holds one page at a time whatever the tenant's size. The
 * digest is computed as the lines go. Pages are read between other requests (a stream cannot
 * hold a transaction open), so a tenant written to during its export gets the rows as each page
 * found them; the footer says how many audited writes happened meanwhile (`writesDuring`), and
 * an import refuses a file whose references do not hold.
 *
 * Import reads the upload as it streams: every line is parsed and validated (zod), counted and
 * hashed, and staged in SQLite; then, if the footer's counts and digest match, one synchronous
 * transaction applies everything (references resolved, audit chains verified, full-text index
 * built by the same triggers as any write) or nothing.
 */
export const EXPORT_PAGE = 500;
/** Bytes an export enqueues per pull (the stream's chunk size). */
const CHUNK_BYTES = 64 * 1024;
export const MAX_IMPORT_BYTES = 1024 ** 3;
export const MAX_LINE_CHARS = 1024 * 1024;
const STAGE_BATCH = 1_000;
const HASH_CHARS = 64 * 1024;

type Reader = (db: Db) => Generator<RecordData<RecordKind>>;

/** Pages of one table as a flat sequence of rows; `start` is the key before the first row. */
function* pages<T, C>(read: (after: C) => ExportPage<T, C>, start: C): Generator<T> {
  let after: C | null = start;
  while (after !== null) {
    const page: ExportPage<T, C> = read(after);
    yield* page.rows;
    after = page.next;
  }
}

function* pagesFromNull<T, C>(read: (after: C | null) => ExportPage<T, C>): Generator<T> {
  let after: C | null = null;
  for (;;) {
    const page: ExportPage<T, C> = read(after);
    yield* page.rows;
    if (page.next === null) return;
    after = page.next;
  }
}

function exportSettings(s: TenantSettings): RecordData<"settings"> {
  return {
    dataMode: s.dataMode ?? null,
    tenantPerMinute: s.rateLimits?.tenantPerMinute ?? null,
    userPerMinute: s.rateLimits?.userPerMinute ?? null,
    chatRetentionDays: s.chatRetentionDays ?? null,
  };
}

function importSettings(s: RecordData<"settings">): TenantSettings {
  const rateLimits = {
    ...(s.tenantPerMinute === null ? {} : { tenantPerMinute: s.tenantPerMinute }),
    ...(s.userPerMinute === null ? {} : { userPerMinute: s.userPerMinute }),
  };
  return {
    ...(s.dataMode === null ? {} : { dataMode: s.dataMode }),
    ...(Object.keys(rateLimits).length === 0 ? {} : { rateLimits }),
    ...(s.chatRetentionDays === null ? {} : { chatRetentionDays: s.chatRetentionDays }),
  };
}

/** What an export writes, kind by kind, in RECORD_KINDS order. */
function readers(auditUpTo: number): Record<RecordKind, Reader> {
  const n = EXPORT_PAGE;
  return {
    *settings(db) {
      yield exportSettings(settings.get(db));
    },
    member: (db) => pagesFromNull((after: [string, string] | null) => members.exportPage(db, after, n)),
    client: (db) => pages((after: number) => clients.exportPage(db, after, n), 0),
    property: (db) => pages((after: number) => properties.exportPage(db, after, n), 0),
    job: (db) => pages((after: number) => jobs.exportPage(db, after, n), 0),
    note: (db) => pages((after: number) => notes.exportPage(db, after, n), 0),
    event: (db) => pages((after: number) => events.exportPage(db, after, n), 0),
    thread: (db) => pages((after: number) => chat.exportThreads(db, after, n), 0),
    message: (db) => pages((after: number) => chat.exportMessages(db, after, n), 0),
    usage: (db) => pagesFromNull((after: [string, string] | null) => usage.exportPage(db, after, n)),
    audit: (db) => pages((after: number) => audit.exportPage(db, after, auditUpTo, n), 0),
    "audit.archive": (db) => pagesFromNull((after: [string, number] | null) => audit.exportArchive(db, after, n)),
  };
}

/**
 * The export as a byte stream. `auditHead` is the head when the export began (after its own
 * audit entry): the audit section ends there, and later entries are counted as writes during it.
 */
export function exportStream(db: Db, meta: TenantMeta, auditHead: { seq: number; hash: string }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const digest: Hash = createHash("sha256");
  const counts: Record<string, number> = {};
  let records = 0;
  const header: ExportHeader = {
    type: "header",
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    schemaVersion: SCHEMA_VERSION,
    tenant: { id: meta.id, name: meta.name, region: meta.region },
    exportedAt: new Date().toISOString(),
  };
  const read = readers(auditHead.seq);
  // Record lines not hashed yet: one digest update per chunk, not per line (measured: −10% export CPU).
  let unhashed = "";
  function* lines(): Generator<string> {
    yield `${JSON.stringify(header)}\n`;
    for (const kind of RECORD_KINDS) {
      counts[kind] = 0;
      for (const data of read[kind](db)) {
        const line = `${JSON.stringify({ kind, data })}\n`;
        unhashed += line;
        counts[kind]++;
        records++;
        yield line;
      }
    }
    digest.update(unhashed);
    unhashed = "";
    const footer: ExportFooter = {
      type: "footer",
      counts,
      records,
      digest: `sha256:${digest.digest("hex")}`,
      auditHead,
      writesDuring: audit.head(db).seq - auditHead.seq,
    };
    yield `${JSON.stringify(footer)}\n`;
  }
  const source = lines();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = "";
      while (chunk.length < CHUNK_BYTES) {
        const next = source.next();
        if (next.done) {
          if (chunk !== "") controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      digest.update(unhashed);
      unhashed = "";
      controller.enqueue(encoder.encode(chunk));
    },
    cancel() {
      source.return(undefined);
    },
  });
}

// ---------------------------------------------------------------- import

export interface StagedImport {
  header: ExportHeader;
  footer: ExportFooter;
  counts: Record<string, number>;
  records: number;
}

const invalid = (line: number, detail: string, errors?: { path: string; message: string }[]) =>
  new AppError("validation_failed", `line ${line}: ${detail}`, errors ? { errors } : {});

/** A chunk of the upload; a body that breaks off or does not decompress is the client's problem (400), not ours. */
async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch {
    throw new AppError("bad_request", "the upload could not be read: it broke off, or its Content-Encoding does not match the bytes");
  }
}

/** Lines of a UTF-8 byte stream, each at most MAX_LINE_CHARS, the whole at most MAX_IMPORT_BYTES. */
async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const reader = body.getReader();
  let buffered = "";
  let bytes = 0;
  let lineNo = 0;
  try {
    for (;;) {
      const { done, value } = await readChunk(reader);
      if (done) break;
      bytes += value.byteLength;
      if (bytes > MAX_IMPORT_BYTES) throw new AppError("payload_too_large", `the import exceeds ${MAX_IMPORT_BYTES} bytes`);
      try {
        buffered += decoder.decode(value, { stream: true });
      } catch {
        throw invalid(lineNo + 1, "is not valid UTF-8");
      }
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        lineNo++;
        yield buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
      if (buffered.length > MAX_LINE_CHARS) throw invalid(lineNo + 1, `is longer than ${MAX_LINE_CHARS} characters`);
    }
    buffered += decoder.decode();
  } finally {
    reader.releaseLock();
  }
  if (buffered !== "") yield buffered;
}

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(line, "is not JSON");
  }
}

function issues(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(line)", message: i.message }));
}

/**
 * Reads, validates and stages an upload (awaits between chunks; nothing but the staging table is
 * written). Throws 422 naming the line for anything wrong, including a digest or count that does
 * not match the footer (a changed or truncated file).
 */
export async function stageImport(db: Db, body: ReadableStream<Uint8Array>): Promise<StagedImport> {
  staging.clear(db);
  const digest = createHash("sha256");
  const counts: Record<string, number> = {};
  let records = 0;
  let header: ExportHeader | null = null;
  let footer: ExportFooter | null = null;
  let line = 0;
  // Staged rows are written STAGE_BATCH at a time in one transaction (alone, each insert commits),
  // and lines are hashed about every 64 KB: measured −18% import CPU (docs/benchmarks.md).
  const pending: [number, string, string][] = [];
  let unhashed = "";
  const flush = () => {
    if (pending.length === 0) return;
    db.transaction(() => {
      for (const [at, kind, data] of pending) staging.add(db, at, kind, data);
    });
    pending.length = 0;
  };
  for await (const text of readLines(body)) {
    line++;
    if (text.trim() === "") continue;
    if (footer) throw invalid(line, "follows the footer");
    const value = parseJson(text, line);
    if (header === null) {
      const parsed = ExportHeader.safeParse(value);
      if (!parsed.success) throw invalid(line, "is not an export header", issues(parsed.error));
      if (parsed.data.schemaVersion > SCHEMA_VERSION)
        throw invalid(line, `was written by a newer schema (${parsed.data.schemaVersion} > ${SCHEMA_VERSION})`);
      header = parsed.data;
      continue;
    }
    if (typeof value === "object" && value !== null && (value as { type?: unknown }).type === "footer") {
      const parsed = ExportFooter.safeParse(value);
      if (!parsed.success) throw invalid(line, "is not a valid footer", issues(parsed.error));
      footer = parsed.data;
      continue;
    }
    const parsed = RecordLine.safeParse(value);
    if (!parsed.success) throw invalid(line, "is not a valid record", issues(parsed.error));
    unhashed += `${text}\n`;
    if (unhashed.length >= HASH_CHARS) {
      digest.update(unhashed);
      unhashed = "";
    }
    counts[parsed.data.kind] = (counts[parsed.data.kind] ?? 0) + 1;
    records++;
    pending.push([line, parsed.data.kind, JSON.stringify(parsed.data.data)]);
    if (pending.length >= STAGE_BATCH) flush();
  }
  flush();
  digest.update(unhashed);
  if (!header) throw invalid(1, "the file is empty: an export starts with a header line");
  if (!footer) throw invalid(line + 1, "the footer is missing: the file was cut short");
  const hex = `sha256:${digest.digest("hex")}`;
  if (hex !== footer.digest) throw invalid(line, "the digest does not match the record lines: the file was changed");
  if (footer.records !== records) throw invalid(line, `the footer counts ${footer.records} records, the file has ${records}`);
  for (const kind of RECORD_KINDS) {
    if ((footer.counts[kind] ?? 0) !== (counts[kind] ?? 0))
      throw invalid(line, `the footer counts ${footer.counts[kind] ?? 0} ${kind} lines, the file has ${counts[kind] ?? 0}`);
  }
  return { header, footer, counts, records };
}

/** Whether the tenant holds any records an import would collide with (members and settings aside). */
export function holdsRecords(db: Db): boolean {
  return (
    clients.count(db) +
      properties.count(db) +
      jobs.count(db) +
      notes.count(db) +
      events.count(db) +
      chat.threadCount(db) +
      audit.archivedCount(db) >
    0
  );
}

/**
 * Applies a staged import. Call inside one transaction: any throw rolls back every write.
 * Returns the members it wrote (for the directory).
 */
export function applyImport(db: Db, staged: StagedImport): RecordData<"member">[] {
  // Staged data was validated by stageImport moments ago, in this same call.
  const each = <K extends RecordKind>(kind: K, fn: (data: RecordData<K>, line: number) => void) => {
    for (const row of staging.ofKind(db, kind)) fn(JSON.parse(row.data) as RecordData<K>, row.line);
  };
  const missing = (line: number, what: string) => new AppError("unknown_reference", `line ${line}: ${what} is not in the file`);
  const duplicate = (line: number, what: string) => invalid(line, `${what} appears twice`);

  each("settings", (s) => settings.put(db, importSettings(s)));
  const written: RecordData<"member">[] = [];
  each("member", (m) => {
    members.restore(db, m);
    written.push(m);
  });
  if (members.activeAdmins(db) === 0) throw new AppError("conflict", "the import would leave the tenant without an active admin");
  each("client", (c, line) => {
    if (!clients.restore(db, c)) throw duplicate(line, `client ${c.id}`);
  });
  each("property", (p, line) => {
    const clientPk = clients.pkOf(db, p.clientId);
    if (clientPk === null) throw missing(line, `client ${p.clientId}`);
    if (!properties.restore(db, p, clientPk)) throw duplicate(line, `property ${p.id}`);
  });
  each("job", (j, line) => {
    const clientPk = clients.pkOf(db, j.clientId);
    if (clientPk === null) throw missing(line, `client ${j.clientId}`);
    const property = j.propertyId === null ? null : properties.refOf(db, j.propertyId);
    if (j.propertyId !== null && property === null) throw missing(line, `property ${j.propertyId}`);
    if (!jobs.restore(db, j, { clientPk, propertyPk: property?.pk ?? null })) throw duplicate(line, `job ${j.id}`);
  });
  each("note", (n, line) => {
    const target = { jobPk: null as number | null, clientPk: null as number | null, propertyPk: null as number | null };
    if (n.jobId !== null && (target.jobPk = jobs.pkOf(db, n.jobId)) === null) throw missing(line, `job ${n.jobId}`);
    if (n.clientId !== null && (target.clientPk = clients.pkOf(db, n.clientId)) === null) throw missing(line, `client ${n.clientId}`);
    if (n.propertyId !== null && (target.propertyPk = properties.refOf(db, n.propertyId)?.pk ?? null) === null)
      throw missing(line, `property ${n.propertyId}`);
    if (!notes.restore(db, n, target)) throw duplicate(line, `note ${n.id}`);
  });
  each("event", (e, line) => {
    const jobPk = jobs.pkOf(db, e.jobId);
    if (jobPk === null) throw missing(line, `job ${e.jobId}`);
    if (!events.restore(db, e, jobPk)) throw duplicate(line, `event ${e.id}`);
  });
  each("thread", (t, line) => {
    if (!chat.restoreThread(db, t)) throw duplicate(line, `thread ${t.id}`);
  });
  each("message", (m, line) => {
    if (!chat.restoreMessage(db, m)) throw invalid(line, `message ${m.id} names an unknown thread or appears twice`);
  });
  each("usage", (u) => usage.add(db, u.day, u.metric, u.value));

  // The source's audit log: verified as a chain from its first entry to the footer's head, then
  // kept verbatim as archived history (this tenant's own log stays its own chain).
  const origin = staged.header.tenant.id;
  let prev = GENESIS_HASH;
  let last: AuditEntry | null = null;
  each("audit", (e, line) => {
    if (e.seq !== (last?.seq ?? 0) + 1 || !audit.follows(prev, e))
      throw invalid(line, `audit entry ${e.seq} does not follow the one before it`);
    audit.archive(db, origin, e);
    prev = e.hash;
    last = e;
  });
  const head = last as AuditEntry | null;
  if ((head?.seq ?? 0) !== staged.footer.auditHead.seq || (head?.hash ?? GENESIS_HASH) !== staged.footer.auditHead.hash)
    throw new AppError(
      "validation_failed",
      `the audit entries end at ${head?.seq ?? 0}, the footer's head is ${staged.footer.auditHead.seq}: entries are missing`,
    );
  const chains = new Map<string, { seq: number; hash: string }>();
  each("audit.archive", (e, line) => {
    if (e.origin === origin) throw invalid(line, `archived history of ${origin} clashes with the file's own audit log`);
    const before = chains.get(e.origin) ?? { seq: 0, hash: GENESIS_HASH };
    if (e.seq !== before.seq + 1 || !audit.follows(before.hash, e))
      throw invalid(line, `archived audit entry ${e.seq} does not follow the one before it`);
    audit.archive(db, e.origin, e);
    chains.set(e.origin, { seq: e.seq, hash: e.hash });
  });
  staging.clear(db);
  return written;
}

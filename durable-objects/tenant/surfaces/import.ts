import { createHash } from "node:crypto";
import type { AuditEntry } from "../../../schemas/audit";
import { AppError, fieldErrors, type FieldError } from "../../../schemas/errors";
import {
  ExportFooter,
  ExportHeader,
  RECORD_DATA,
  RECORD_KINDS,
  RecordLine,
  type ImportResult,
  type RecordData,
  type RecordKind,
} from "../../../schemas/export";
import type { Role } from "../../../schemas/common";
import { audit, GENESIS_HASH } from "../data/audit";
import { chat } from "../data/chat";
import { clients } from "../data/clients";
import { parseStoredJson, type Db } from "../data/db";
import { events } from "../data/events";
import { jobs } from "../data/jobs";
import { members } from "../data/members";
import { SCHEMA_VERSION } from "../data/migrations";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import { staging } from "../data/staging";
import { usage } from "../data/usage";
import type { CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { replaceSettings, settingsFromRecord } from "../settings";

/**
 * `POST /v1/admin/import`: an export read into this tenant, which must hold no records yet (409
 * otherwise). The upload is read as it streams: every line is parsed and validated (zod), counted
 * and hashed, and staged in SQLite; then, if the footer's counts and digest match, one
 * synchronous transaction applies everything (references resolved, audit chains verified,
 * full-text index built by the same triggers as any write) or nothing.
 */
export const MAX_IMPORT_BYTES = 1024 ** 3;
export const MAX_LINE_CHARS = 1024 * 1024;
const STAGE_BATCH = 1_000;
const HASH_CHARS = 64 * 1024;

/** A member an import wrote, for the directory. */
export interface MemberRef {
  issuer: string;
  subject: string;
  role: Role;
}

export async function importTenant(
  rt: Runtime,
  c: CallContext,
  body: ReadableStream<Uint8Array>,
): Promise<ImportResult & { written: MemberRef[] }> {
  const db = rt.db;
  const notEmpty = () => new AppError("conflict", "the tenant already holds records: import only into an empty tenant");
  if (rt.importing) throw new AppError("conflict", "an import is already running for this tenant");
  if (holdsRecords(db)) throw notEmpty();
  rt.importing = true;
  try {
    const staged = await stageImport(db, body);
    const written = db.transaction(() => {
      // Writes may have arrived while the upload streamed in.
      if (holdsRecords(db)) throw notEmpty();
      const members = applyImport(db, staged);
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
    staging.clear(db);
    throw error;
  } finally {
    rt.importing = false;
  }
}

export interface StagedImport {
  header: ExportHeader;
  footer: ExportFooter;
  counts: Record<string, number>;
  records: number;
}

const invalid = (line: number, detail: string, errors?: FieldError[]) =>
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
      if (!parsed.success) throw invalid(line, "is not an export header", fieldErrors(parsed.error, "(line)"));
      if (parsed.data.schemaVersion > SCHEMA_VERSION)
        throw invalid(line, `was written by a newer schema (${parsed.data.schemaVersion} > ${SCHEMA_VERSION})`);
      header = parsed.data;
      continue;
    }
    if (typeof value === "object" && value !== null && (value as { type?: unknown }).type === "footer") {
      const parsed = ExportFooter.safeParse(value);
      if (!parsed.success) throw invalid(line, "is not a valid footer", fieldErrors(parsed.error, "(line)"));
      footer = parsed.data;
      continue;
    }
    const parsed = RecordLine.safeParse(value);
    if (!parsed.success) throw invalid(line, "is not a valid record", fieldErrors(parsed.error, "(line)"));
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
  // Staged lines were validated as they arrived; read back from storage, they are parsed again.
  const each = <K extends RecordKind>(kind: K, fn: (data: RecordData<K>, line: number) => void) => {
    for (const row of staging.ofKind(db, kind)) {
      const data = parseStoredJson(RECORD_DATA[kind], row.data) as RecordData<K> | undefined;
      if (data === undefined) throw new AppError("internal", `staged line ${row.line} no longer parses`);
      fn(data, row.line);
    }
  };
  const missing = (line: number, what: string) => new AppError("unknown_reference", `line ${line}: ${what} is not in the file`);
  const duplicate = (line: number, what: string) => invalid(line, `${what} appears twice`);

  each("settings", (s) => replaceSettings(db, settingsFromRecord(s)));
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

import { createHash } from "node:crypto";
import { AppError, fieldErrors, type FieldError } from "../../../schemas/errors";
import { ExportFooter, ExportHeader, RECORD_KINDS, RecordLine } from "../../../schemas/export";
import type { Db } from "../data/db";
import { SCHEMA_VERSION } from "../data/migrations";
import { staging } from "../data/staging";

/**
 * The first half of an import: the upload read as it streams, line by line (each bounded), every
 * line parsed as JSON and validated with zod, counted and hashed, and the records staged in SQLite
 * a batch at a time. Nothing but the staging table is written; a count or digest that does not
 * match the footer (a changed or truncated file) is a 422 naming the line.
 */
export const MAX_IMPORT_BYTES = 1024 ** 3;
export const MAX_LINE_CHARS = 1024 * 1024;
const STAGE_BATCH = 1_000;
const HASH_CHARS = 64 * 1024;

export interface StagedImport {
  header: ExportHeader;
  footer: ExportFooter;
  counts: Record<string, number>;
  records: number;
}

/** A 422 naming the line of the upload that is wrong. */
export const invalid = (line: number, detail: string, errors?: FieldError[]) =>
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

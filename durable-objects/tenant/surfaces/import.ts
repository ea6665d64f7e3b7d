import type { AuditEntry } from "../../../schemas/audit";
import { AppError } from "../../../schemas/errors";
import { RECORD_DATA, type ImportResult, type RecordData, type RecordKind } from "../../../schemas/export";
import type { Role } from "../../../schemas/common";
import { audit, GENESIS_HASH } from "../data/audit";
import { chat } from "../data/chat";
import { clients } from "../data/clients";
import { parseStoredJson, type Db } from "../data/db";
import { events } from "../data/events";
import { jobs } from "../data/jobs";
import { members } from "../data/members";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import { staging } from "../data/staging";
import { documents } from "../../knowledge/data/documents";
import { restoreDocuments } from "./document-transfer";
import { invalid, stageImport, type StagedImport } from "./import-staging";
import { usage } from "../data/usage";
import type { CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { replaceSettings, settingsFromRecord } from "../settings";

/**
 * `POST /v1/admin/import`: an export read into this tenant, which must hold no records yet (409
 * otherwise). The upload is staged as it streams (import-staging.ts); then, if the footer's counts
 * and digest matched, one synchronous transaction applies everything (references resolved, audit
 * chains verified, full-text index built by the same triggers as any write) or nothing.
 */
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

/** Whether the tenant holds any records an import would collide with (members and settings aside). */
export function holdsRecords(db: Db): boolean {
  return (
    clients.count(db) +
      properties.count(db) +
      jobs.count(db) +
      notes.count(db) +
      events.count(db) +
      chat.threadCount(db) +
      documents.list(db).length +
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
  restoreDocuments(db, each);
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

import { z } from "@hono/zod-openapi";
import { AuditEntry } from "./audit";
import { Region, RecordId, Role, TenantId, Text, UserId } from "./common";
import { Citation } from "./copilot";
import { ExportDocumentChunk, ExportDocumentVersion } from "./documents";
import { MemberStatus } from "./identity";
import { EventData, JobPriority, JobStatus } from "./records";
import { DataMode } from "./settings";

/**
 * The tenant export, NDJSON: a header line, one line per record, a footer. Record lines are
 * `{"kind":…,"data":{…}}` with every stored field (timestamps included), so an import restores
 * the records exactly and a second export writes the same lines. The footer's digest is SHA-256
 * over the record lines as written, each with its "\n". The same schemas validate every line of
 * an import: an export is untrusted input once it has left the object.
 *
 * Kinds are only ever added (a file of an older schema, without them, imports as it is), and a
 * kind's lines never change shape within EXPORT_VERSION. The tenant's documents came with schema
 * version 7: `document` (one line per version) and `document.chunk` (schemas/documents.ts).
 */
export const EXPORT_FORMAT = "fieldpilot-export";
export const EXPORT_VERSION = 1;

const Stamp = z.string().min(1).max(64);
const Nullable = (max: number) => Text(max).nullable();

export const ExportHeader = z.strictObject({
  type: z.literal("header"),
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  schemaVersion: z.number().int().min(1),
  tenant: z.strictObject({ id: TenantId, name: z.string().max(200), region: Region }),
  exportedAt: Stamp,
});
export type ExportHeader = z.infer<typeof ExportHeader>;

export const ExportSettings = z.strictObject({
  dataMode: DataMode.nullable(),
  tenantPerMinute: z.number().int().positive().nullable(),
  userPerMinute: z.number().int().positive().nullable(),
  chatRetentionDays: z.number().int().positive().nullable(),
});
export const ExportMember = z.strictObject({
  issuer: z.string().min(1).max(512),
  subject: UserId,
  role: Role,
  status: MemberStatus,
  email: Nullable(320),
  createdAt: Stamp,
  updatedAt: Stamp,
});
export const ExportClient = z.strictObject({
  id: RecordId,
  name: Text(500).min(1),
  email: Nullable(320),
  phone: Nullable(64),
  createdAt: Stamp,
  updatedAt: Stamp,
});
export const ExportProperty = z.strictObject({
  id: RecordId,
  clientId: RecordId,
  address: Text(1000).min(1),
  label: Nullable(500),
  createdAt: Stamp,
  updatedAt: Stamp,
});
export const ExportJob = z.strictObject({
  id: RecordId,
  clientId: RecordId,
  propertyId: RecordId.nullable(),
  title: Text(500).min(1),
  description: Nullable(20_000),
  status: JobStatus,
  priority: JobPriority,
  scheduledStart: Stamp.nullable(),
  scheduledEnd: Stamp.nullable(),
  assignees: z.array(UserId).max(50),
  createdAt: Stamp,
  updatedAt: Stamp,
});
export const ExportNote = z
  .strictObject({
    id: RecordId,
    body: Text(100_000).min(1),
    jobId: RecordId.nullable(),
    clientId: RecordId.nullable(),
    propertyId: RecordId.nullable(),
    authorId: UserId.nullable(),
    createdAt: Stamp,
    updatedAt: Stamp,
  })
  .refine((n) => [n.jobId, n.clientId, n.propertyId].filter((v) => v !== null).length === 1, {
    message: "exactly one of jobId, clientId, propertyId is required",
    path: ["jobId"],
  });
export const ExportEvent = z.strictObject({
  id: RecordId,
  jobId: RecordId,
  type: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/),
  at: Stamp,
  data: EventData.nullable(),
});
export const ExportThread = z.strictObject({
  id: z.string().min(1).max(128),
  owner: z.string().min(1).max(800),
  jobId: RecordId.nullable(),
  createdAt: Stamp,
  updatedAt: Stamp,
});
export const ExportMessage = z.strictObject({
  id: z.string().min(1).max(128),
  threadId: z.string().min(1).max(128),
  role: z.enum(["user", "assistant"]),
  content: Nullable(100_000),
  contentChars: z.number().int().min(0),
  citations: z.array(Citation).max(100),
  grounded: z.boolean().nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  provider: Nullable(64),
  model: Nullable(200),
  tokensIn: z.number().int().min(0),
  tokensOut: z.number().int().min(0),
  latencyMs: z.number().int().min(0),
  createdAt: Stamp,
});
export const ExportUsage = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  metric: z.string().min(1).max(200),
  value: z.number().int(),
});
const StrictAudit = z.strictObject(AuditEntry.shape);
export const ExportAudit = StrictAudit;
/** An entry of an earlier import's audit history, with the tenant it came from. */
export const ExportArchivedAudit = StrictAudit.extend({ origin: TenantId });

/** Every kind, in the order an export writes them and an import applies them (references first). */
export const RECORD_KINDS = [
  "settings",
  "member",
  "client",
  "property",
  "job",
  "note",
  "event",
  "document",
  "document.chunk",
  "thread",
  "message",
  "usage",
  "audit",
  "audit.archive",
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The schema of each kind's `data`: an import checks every line with it, and again as it applies the staged lines. */
export const RECORD_DATA = {
  settings: ExportSettings,
  member: ExportMember,
  client: ExportClient,
  property: ExportProperty,
  job: ExportJob,
  note: ExportNote,
  event: ExportEvent,
  document: ExportDocumentVersion,
  "document.chunk": ExportDocumentChunk,
  thread: ExportThread,
  message: ExportMessage,
  usage: ExportUsage,
  audit: ExportAudit,
  "audit.archive": ExportArchivedAudit,
} as const satisfies Record<RecordKind, z.ZodType>;

const line = <K extends RecordKind>(kind: K) => z.strictObject({ kind: z.literal(kind), data: RECORD_DATA[kind] });
export const RecordLine = z.discriminatedUnion("kind", [
  line("settings"),
  line("member"),
  line("client"),
  line("property"),
  line("job"),
  line("note"),
  line("event"),
  line("document"),
  line("document.chunk"),
  line("thread"),
  line("message"),
  line("usage"),
  line("audit"),
  line("audit.archive"),
]);
export type RecordLine = z.infer<typeof RecordLine>;
export type RecordData<K extends RecordKind> = Extract<RecordLine, { kind: K }>["data"];

export const ExportFooter = z.strictObject({
  type: z.literal("footer"),
  counts: z.record(z.string(), z.number().int().min(0)),
  records: z.number().int().min(0),
  /** `sha256:` + hex over the record lines, each with its trailing "\n". */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** The tenant's audit head when the export began: compare with the anchor the platform keeps. */
  auditHead: z.strictObject({ seq: z.number().int().min(0), hash: z.string() }),
  /** Audit entries appended while the export ran (0: no write was recorded during the export). */
  writesDuring: z.number().int().min(0),
});
export type ExportFooter = z.infer<typeof ExportFooter>;

/**
 * `encoding=identity` forces an uncompressed download: Cloudflare's edge hands Workers a
 * normalised Accept-Encoding, and does not re-encode `application/x-ndjson` for clients that
 * cannot gunzip.
 */
export const ExportQuery = z.strictObject({ encoding: z.enum(["gzip", "identity"]).optional() });
export type ExportQuery = z.infer<typeof ExportQuery>;

export const ImportResult = z
  .object({
    source: z.object({ tenant: TenantId, exportedAt: z.string() }),
    counts: z.record(z.string(), z.number().int()),
    records: z.number().int(),
    digest: z.string(),
    /** Members the import added or changed (the directory lists them for this tenant). */
    members: z.number().int(),
  })
  .openapi("ImportResult");
export type ImportResult = z.infer<typeof ImportResult>;

import { z } from "@hono/zod-openapi";
import { EvidenceKind, RecordId } from "./common";

/** A thread id, as the copilot makes them (`T-<uuid>`). */
export const ThreadId = z.string().regex(/^T-[0-9a-f-]{36}$/, "must be a thread id returned by a previous answer");

/** A question to the copilot. Bounded: a question is a sentence or two, not a document. */
export const CopilotAsk = z
  .strictObject({
    question: z
      .string()
      .trim()
      .min(1, "is required")
      .max(2_000, "must be at most 2000 characters")
      .openapi({ example: "What happened to the RTU-2 contactor?" }),
    jobId: RecordId.optional(),
    threadId: ThreadId.optional(),
  })
  .openapi("CopilotAsk", { example: { question: "What happened to the RTU-2 contactor?", jobId: "J-3034" } });
export type CopilotAsk = z.infer<typeof CopilotAsk>;

/** What a citation cites: one of the tenant's records, a chunk of its own documents (`doc:…`) or of the shared library (`kb:…`). */
export const CitationKind = z.enum([...EvidenceKind.options, "document", "library"]);
export type CitationKind = z.infer<typeof CitationKind>;

export const Citation = z
  .object({
    ref: z.string().openapi({
      example: "note:N-4191",
      description: "`kind:id` for a record; `doc:<docId>#<chunk>` for a tenant document; `kb:<docId>@<version>#<chunk>` for the library",
    }),
    kind: CitationKind,
    jobId: z.string().nullable(),
    /** A verbatim substring of the cited record's text. */
    quote: z.string(),
  })
  .openapi("Citation");
export type Citation = z.infer<typeof Citation>;

export const Usage = z.object({
  provider: z.string(),
  model: z.string().nullable(),
  tokensIn: z.number().int().min(0),
  tokensOut: z.number().int().min(0),
  latencyMs: z.number().int().min(0),
  /** True when the configured provider failed and the extractive provider answered instead. */
  degraded: z.boolean(),
});
export type Usage = z.infer<typeof Usage>;

export const CopilotAnswer = z
  .object({
    answer: z.string(),
    citations: z.array(Citation),
    grounded: z.boolean(),
    confidence: z.number().min(0).max(1),
    threadId: z.string(),
    messageId: z.string(),
    usage: Usage,
  })
  .openapi("CopilotAnswer");
export type CopilotAnswer = z.infer<typeof CopilotAnswer>;

export const ThreadSummary = z
  .object({ id: z.string(), jobId: z.string().nullable(), messages: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("ThreadSummary");

export const ThreadList = z.object({ threads: z.array(ThreadSummary) }).openapi("ThreadList");
export type ThreadList = z.infer<typeof ThreadList>;

export const ChatMessage = z
  .object({
    id: z.string(),
    role: z.enum(["user", "assistant"]),
    /** null when the tenant keeps metadata only. */
    content: z.string().nullable(),
    contentChars: z.number().int(),
    citations: z.array(Citation),
    grounded: z.boolean().nullable(),
    confidence: z.number().nullable(),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    tokensIn: z.number().int(),
    tokensOut: z.number().int(),
    latencyMs: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("ChatMessage");

export const ThreadDetail = ThreadSummary.extend({ messageList: z.array(ChatMessage) }).openapi("ThreadDetail");
export type ThreadDetail = z.infer<typeof ThreadDetail>;

export const ThreadParams = z.object({ id: ThreadId.openapi({ param: { name: "id", in: "path" } }) });

export const UsageQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).default(30),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageReport = z
  .object({
    from: z.string(),
    days: z.array(
      z.object({
        day: z.string(),
        provider: z.string(),
        /** Copilot requests: answers and briefs. */
        requests: z.number().int(),
        /** Of those, pre-arrival briefs (`GET /v1/jobs/:id/brief`, socket `brief`). */
        briefs: z.number().int(),
        tokensIn: z.number().int(),
        tokensOut: z.number().int(),
        latencyMsTotal: z.number().int(),
        degraded: z.number().int(),
      }),
    ),
    /** The tenant's own documents per day: versions uploaded (a new document or a new version) and the chunks they hold. */
    documents: z.array(z.object({ day: z.string(), uploads: z.number().int(), chunks: z.number().int() })),
    /**
     * Semantic retrieval per day: embedding calls, texts and tokens (background embedding and
     * questions alike), vector queries, and questions answered from the full-text index alone
     * because the embedding or vector service failed or was slow (`degraded`).
     */
    semantic: z.array(
      z.object({
        day: z.string(),
        embedCalls: z.number().int(),
        embedTexts: z.number().int(),
        embedTokens: z.number().int(),
        queries: z.number().int(),
        degraded: z.number().int(),
      }),
    ),
    /**
     * The shared library as a copilot and brief source, per day: calls, their total time, and
     * questions answered from records and documents alone because the library failed or did not
     * answer within its time budget (`degraded`).
     */
    library: z.array(
      z.object({
        day: z.string(),
        calls: z.number().int(),
        latencyMsTotal: z.number().int(),
        degraded: z.number().int(),
      }),
    ),
  })
  .openapi("UsageReport");
export type UsageReport = z.infer<typeof UsageReport>;

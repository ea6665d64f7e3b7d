import {
  CopilotAsk,
  ThreadId,
  UsageQuery,
  type CopilotAnswer,
  type ThreadDetail,
  type ThreadList,
  type UsageReport,
} from "../../../schemas/copilot";
import { DOCUMENT_USAGE } from "../../../schemas/documents";
import { AppError, parseOr422 } from "../../../schemas/errors";
import { composeAnswer } from "../copilot/answer";
import { semanticServices } from "../copilot/embeddings";
import { libraryChunks, libraryReader, meterLibrary } from "../copilot/knowledge";
import { questionTerms } from "../copilot/lexicon";
import { providerFor } from "../copilot/providers";
import { meterSemantic, semanticHits } from "../copilot/semantic";
import { chat } from "../data/chat";
import { usage } from "../data/usage";
import { requireVisibleJob, type CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { keepsChatContent, storedSettings } from "../settings";
import { tenantProviderKey } from "./admin/provider-keys";

/**
 * `/v1/copilot…` and `GET /v1/admin/usage`: one copilot turn (REST and sockets alike), the
 * caller's own threads, and usage per day and provider. A copilot question costs more of the
 * rate-limit budget than a plain read (retrieval and a provider call).
 */
export const COPILOT_COST = 5;

/** Thrown by a copilot turn whose socket cancelled it: nothing of the turn is stored. */
export class AnswerCancelled extends Error {
  constructor() {
    super("answer cancelled");
    this.name = "AnswerCancelled";
  }
}

/**
 * One copilot turn for a permitted caller: the thread (the caller's own, or a new one), the
 * answer (retrieval under the caller's visibility), then one transaction that stores both
 * messages (content only in `full` data mode), the usage counters and the audit entry.
 */
export async function answerTurn(
  rt: Runtime,
  c: CallContext,
  input: CopilotAsk,
  onDelta: (text: string) => void = () => {},
  signal: AbortSignal = new AbortController().signal,
): Promise<CopilotAnswer> {
  const db = rt.db;
  const ask = parseOr422(CopilotAsk, input);
  const existing = ask.threadId === undefined ? null : chat.thread(db, c.principal, ask.threadId);
  if (ask.threadId !== undefined && !existing) throw new AppError("not_found", `thread ${ask.threadId} not found`);
  const jobId = ask.jobId ?? existing?.job_id ?? undefined;
  const job = jobId === undefined ? null : requireVisibleJob(db, c, jobId, "copilot.ask");
  const started = Date.now();
  // The library is another object: asked first, so its call overlaps everything up to the answer.
  const library = libraryChunks(libraryReader(rt.env), questionTerms(ask.question));
  const apiKey = await tenantProviderKey(rt, c.meta.id);
  const services = semanticServices(rt.env);
  const semantic = services ? await semanticHits(db, services, c.meta.id, ask.question, c.visibility(), job) : null;
  const result = await composeAnswer({
    db,
    question: ask.question,
    visibility: c.visibility(),
    job,
    vectorHits: semantic?.hits ?? [],
    library,
    provider: providerFor(rt.env, apiKey === undefined ? {} : { apiKey }),
    signal,
    onDelta,
  });
  const libraryOutcome = await library;
  // Only a socket's cancel aborts the signal: a cancelled turn stores nothing.
  if (signal.aborted) throw new AnswerCancelled();
  const latencyMs = Date.now() - started;
  const keepContent = keepsChatContent(storedSettings(db));
  const messageId = `M-${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  const day = now.slice(0, 10);
  const thread = db.transaction(() => {
    const t = existing ?? chat.createThread(db, c.principal, `T-${crypto.randomUUID()}`, job?.id ?? null, now);
    const nothing = {
      citations: [],
      grounded: null,
      confidence: null,
      provider: null,
      model: null,
      tokensIn: 0,
      tokensOut: 0,
      latencyMs: 0,
    };
    const question = { id: `M-${crypto.randomUUID()}`, role: "user" as const, content: keepContent ? ask.question : null, ...nothing };
    chat.appendMessage(db, t, { ...question, contentChars: ask.question.length }, now);
    chat.appendMessage(
      db,
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
    usage.add(db, day, metric("requests"), 1);
    usage.add(db, day, metric("tokens_in"), result.tokensIn);
    usage.add(db, day, metric("tokens_out"), result.tokensOut);
    usage.add(db, day, metric("latency_ms"), latencyMs);
    if (result.degraded) usage.add(db, day, metric("degraded"), 1);
    if (semantic) meterSemantic(db, day, semantic);
    meterLibrary(db, day, libraryOutcome);
    const cited = result.citations.map((x) => x.ref).join(",") || "nothing";
    c.audit({
      action: "copilot.ask",
      target: job ? `job:${job.id}` : null,
      outcome: "ok",
      reason: `${result.grounded ? "grounded" : "ungrounded"}; cited ${cited}`.slice(0, 500),
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

export function threads(rt: Runtime, c: CallContext): ThreadList {
  return {
    threads: chat.threads(rt.db, c.principal, 100).map((t) => ({
      id: t.id,
      jobId: t.job_id,
      messages: t.messages,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    })),
  };
}

/** One of the caller's threads: anyone else's id, or one that is not a thread id, is "not found". */
export function thread(rt: Runtime, c: CallContext, threadId: string): ThreadDetail {
  const id = ThreadId.safeParse(threadId);
  if (!id.success) throw new AppError("not_found", "thread not found");
  const t = chat.thread(rt.db, c.principal, id.data);
  if (!t) throw new AppError("not_found", `thread ${id.data} not found`);
  const messageList = chat.messages(rt.db, t, 500);
  return { id: t.id, jobId: t.job_id, messages: messageList.length, createdAt: t.created_at, updatedAt: t.updated_at, messageList };
}

const SEMANTIC_METRICS: Record<string, Exclude<keyof UsageReport["semantic"][number], "day">> = {
  "semantic.embed_calls": "embedCalls",
  "semantic.embed_texts": "embedTexts",
  "semantic.embed_tokens": "embedTokens",
  "semantic.queries": "queries",
  "semantic.degraded": "degraded",
};

const LIBRARY_METRICS: Record<string, Exclude<keyof UsageReport["library"][number], "day">> = {
  "library.calls": "calls",
  "library.latency_ms": "latencyMsTotal",
  "library.degraded": "degraded",
};

export function usageReport(rt: Runtime, query: UsageQuery): UsageReport {
  const q = parseOr422(UsageQuery, query);
  const from = new Date(Date.now() - (q.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const documents = new Map<string, UsageReport["documents"][number]>();
  const rows = new Map<string, UsageReport["days"][number]>();
  const semantic = new Map<string, UsageReport["semantic"][number]>();
  const library = new Map<string, UsageReport["library"][number]>();
  for (const r of usage.since(rt.db, from)) {
    const [metric = "", provider = "unknown"] = r.metric.split("|");
    if (metric.startsWith("library.")) {
      const row = library.get(r.day) ?? { day: r.day, calls: 0, latencyMsTotal: 0, degraded: 0 };
      const field = LIBRARY_METRICS[metric];
      if (field) row[field] += r.value;
      library.set(r.day, row);
      continue;
    }
    if (metric.startsWith("semantic.")) {
      const row = semantic.get(r.day) ?? { day: r.day, embedCalls: 0, embedTexts: 0, embedTokens: 0, queries: 0, degraded: 0 };
      const field = SEMANTIC_METRICS[metric];
      if (field) row[field] += r.value;
      semantic.set(r.day, row);
      continue;
    }
    if (metric === DOCUMENT_USAGE.uploads || metric === DOCUMENT_USAGE.chunks) {
      const row = documents.get(r.day) ?? { day: r.day, uploads: 0, chunks: 0 };
      row[metric === DOCUMENT_USAGE.uploads ? "uploads" : "chunks"] += r.value;
      documents.set(r.day, row);
      continue;
    }
    const key = `${r.day}|${provider}`;
    const row = rows.get(key) ?? {
      day: r.day,
      provider,
      requests: 0,
      briefs: 0,
      tokensIn: 0,
      tokensOut: 0,
      latencyMsTotal: 0,
      degraded: 0,
    };
    if (metric === "copilot.requests") row.requests += r.value;
    else if (metric === "copilot.briefs") row.briefs += r.value;
    else if (metric === "copilot.tokens_in") row.tokensIn += r.value;
    else if (metric === "copilot.tokens_out") row.tokensOut += r.value;
    else if (metric === "copilot.latency_ms") row.latencyMsTotal += r.value;
    else if (metric === "copilot.degraded") row.degraded += r.value;
    rows.set(key, row);
  }
  return {
    from,
    days: [...rows.values()],
    documents: [...documents.values()],
    semantic: [...semantic.values()],
    library: [...library.values()],
  };
}

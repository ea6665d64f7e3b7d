import type { JobBrief } from "../../../schemas/brief";
import { briefPieces, composeBrief } from "../copilot/brief";
import { jobTerms, manualLines } from "../copilot/brief-manuals";
import { gatherBriefRecords } from "../copilot/brief-records";
import { documentChunks, libraryChunks, libraryReader, meterLibrary } from "../copilot/knowledge";
import { usage } from "../data/usage";
import { requireVisibleJob, type CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { AnswerCancelled } from "./copilot";

/**
 * `GET /v1/jobs/:id/brief` and the socket's `brief`: a job's pre-arrival brief under the caller's
 * visibility (a job the caller may not see is "not found", as in REST, audited as denied), with
 * what the tenant's documents and the shared library say about its equipment (a library that
 * fails or is slow leaves that section to the documents, metered as `library.degraded`). It
 * costs what an ask costs (COPILOT_COST, charged by the caller of this function through the
 * guard), is metered as a copilot request of the extractive provider (and counted as a brief),
 * and audited with what it cited. Composed synchronously, then streamed piece by piece: a
 * socket's cancel stops it between pieces, and a cancelled brief stores nothing.
 */
export const BRIEF_PROVIDER = "extractive";

/** REST's brief cannot be cancelled: it streams to nobody, so it does not yield between pieces. */
const NEVER_ABORTED = new AbortController().signal;

export async function jobBrief(
  rt: Runtime,
  c: CallContext,
  jobId: string,
  onDelta: (text: string) => void = () => {},
  signal: AbortSignal = NEVER_ABORTED,
): Promise<JobBrief> {
  const db = rt.db;
  const started = Date.now();
  const job = requireVisibleJob(db, c, jobId, "copilot.brief");
  // The job's manuals: the library is another object, asked first so its call overlaps the records' reading.
  const terms = jobTerms(job);
  const library = libraryChunks(libraryReader(rt.env), terms);
  const records = gatherBriefRecords(db, c.visibility(), job);
  const documents = documentChunks(db, terms);
  const libraryOutcome = await library;
  const brief = composeBrief(records, manualLines(job, [...documents, ...libraryOutcome.chunks]));
  const pieces = briefPieces(brief.sections);
  for (const piece of pieces) {
    if (signal.aborted) throw new AnswerCancelled();
    onDelta(piece);
    // Let a socket's cancel (a frame queued behind this brief) be read between pieces.
    if (signal !== NEVER_ABORTED) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (signal.aborted) throw new AnswerCancelled();
  const latencyMs = Date.now() - started;
  const day = new Date().toISOString().slice(0, 10);
  db.transaction(() => {
    const metric = (name: string) => `copilot.${name}|${BRIEF_PROVIDER}`;
    usage.add(db, day, metric("requests"), 1);
    usage.add(db, day, metric("briefs"), 1);
    usage.add(db, day, metric("latency_ms"), latencyMs);
    meterLibrary(db, day, libraryOutcome);
    const cited = brief.citations.map((x) => x.ref).join(",") || "nothing";
    c.audit({ action: "copilot.brief", target: `job:${job.id}`, outcome: "ok", reason: `cited ${cited}`.slice(0, 500) });
  });
  return {
    jobId: job.id,
    sections: brief.sections,
    text: pieces.join(""),
    citations: brief.citations,
    grounded: brief.grounded,
    confidence: brief.confidence,
    usage: { provider: BRIEF_PROVIDER, model: null, tokensIn: 0, tokensOut: 0, latencyMs, degraded: false },
  };
}

import { z } from "@hono/zod-openapi";
import type { Connection } from "partyserver";
import { AppError } from "../../../schemas/errors";
import { AnswerFrame, BriefFrame, ErrorFrame, type ClientMessage } from "../../../schemas/realtime";
import { parseStoredJson } from "../data/db";
import { streams } from "../data/streams";
import type { CallContext } from "../guard";
import { logFailure, type Runtime } from "../runtime";
import { keepsChatContent, storedSettings } from "../settings";
import { jobBrief } from "../surfaces/brief";
import { AnswerCancelled, answerTurn } from "../surfaces/copilot";
import { errorFrame, send } from "./protocol";

/**
 * Answers streamed over sockets, per (principal, message id): `ask` runs a copilot turn (the same
 * one as REST), `brief` a job's pre-arrival brief (the same one as REST), and each sends its
 * deltas and outcome to the sockets that follow it; `cancel` stops a running one; `resume` sends
 * a reconnecting client the rest of an answer or brief exactly once. Kept in
 * memory while running and for recent finished ones (at most MAX_STREAMS, the oldest finished
 * dropped first); finished answers are also written to SQLite (data/streams.ts) so a resume
 * works after hibernation or eviction. A running answer lives only here (it dies with the object).
 */
export const MAX_STREAMS = 500;

const StreamOutcome = z.union([AnswerFrame, BriefFrame, ErrorFrame]);
type StreamOutcome = z.infer<typeof StreamOutcome>;
const StoredDeltas = z.array(z.string()).max(100_000);

interface AnswerStream {
  principal: string;
  id: string;
  deltas: string[];
  /** null while the answer is running. */
  outcome: StreamOutcome | null;
  controller: AbortController;
  /** Sockets that receive this answer's next frames: the one that asked, then any that resumed it. */
  listeners: Map<string, Connection>;
}

type Ask = Extract<ClientMessage, { type: "ask" }>;
type Brief = Extract<ClientMessage, { type: "brief" }>;
/** The work of one stream: its deltas go to `onDelta`, and it stops (AnswerCancelled) when `signal` aborts. */
type StreamWork = (onDelta: (text: string) => void, signal: AbortSignal) => Promise<StreamOutcome>;
type Resume = Extract<ClientMessage, { type: "resume" }>;

export class AnswerStreams {
  readonly #rt: Runtime;
  readonly #entries = new Map<string, AnswerStream>();
  /** Called after an answer finished (housekeeping of the realtime tables). */
  readonly #finished: () => void;

  constructor(rt: Runtime, finished: () => void) {
    this.#rt = rt;
    this.#finished = finished;
  }

  /** Runs one copilot turn for a permitted caller, streaming it to `connection` (and later resumers). */
  async ask(connection: Connection, ctx: CallContext, msg: Ask): Promise<void> {
    const { question, jobId, threadId } = msg;
    const ask = { question, ...(jobId === undefined ? {} : { jobId }), ...(threadId === undefined ? {} : { threadId }) };
    await this.#run(connection, ctx.principal, msg.id, async (onDelta, signal) => ({
      type: "answer",
      id: msg.id,
      ...(await answerTurn(this.#rt, ctx, ask, onDelta, signal)),
    }));
  }

  /** Composes a job's brief for a permitted caller, streaming it like an answer. */
  async brief(connection: Connection, ctx: CallContext, msg: Brief): Promise<void> {
    await this.#run(connection, ctx.principal, msg.id, async (onDelta, signal) => ({
      type: "brief",
      id: msg.id,
      ...(await jobBrief(this.#rt, ctx, msg.jobId, onDelta, signal)),
    }));
  }

  /** Runs one stream's work under its id; its outcome (or its error) finishes the stream. */
  async #run(connection: Connection, principal: string, id: string, work: StreamWork): Promise<void> {
    if (this.#get(principal, id)?.outcome === null) {
      return void send(connection, errorFrame(new AppError("duplicate_id", "an answer with this id is still running"), id));
    }
    const stream = this.#start(principal, id, connection);
    streams.remove(this.#rt.db, principal, id);
    // Yield once so a cancel already queued behind this ask is read before the turn starts: a
    // provider without network I/O (extractive) would otherwise run to completion first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let outcome: StreamOutcome;
    try {
      if (stream.controller.signal.aborted) throw new AnswerCancelled();
      outcome = await work((text) => this.#pushDelta(stream, text), stream.controller.signal);
    } catch (error) {
      outcome = errorFrame(this.#asAppError(error, stream.controller.signal.aborted), id);
    }
    this.#finish(stream, outcome);
  }

  /** Stops a running answer of this principal; a finished one has nothing left to stop. */
  cancel(connection: Connection, principal: string, id: string): void {
    const stream = this.#get(principal, id);
    if (!stream) return void send(connection, errorFrame(new AppError("unknown_id", `no answer ${id} on this tenant for you`), id));
    if (stream.outcome === null) stream.controller.abort();
  }

  /**
   * The rest of an answer, exactly once: the deltas from index `after`, then the outcome if there
   * is one; a running answer keeps streaming to this socket. Only the asking principal's answers
   * are found; after an eviction, finished answers come from SQLite.
   */
  resume(connection: Connection, principal: string, msg: Resume): void {
    const live = this.#get(principal, msg.id);
    let deltas: string[];
    let outcome: StreamOutcome | null;
    if (live) {
      deltas = live.deltas;
      outcome = live.outcome;
    } else {
      const stored = streams.get(this.#rt.db, principal, msg.id, Date.now());
      const storedDeltas = stored ? parseStoredJson(StoredDeltas, stored.deltas) : undefined;
      const storedOutcome = stored ? parseStoredJson(StreamOutcome, stored.outcome) : undefined;
      if (!storedDeltas || !storedOutcome) {
        return void send(connection, errorFrame(new AppError("unknown_id", `no answer ${msg.id} to resume`), msg.id));
      }
      deltas = storedDeltas;
      outcome = storedOutcome;
    }
    if (msg.after > deltas.length) {
      const error = new AppError("bad_message", `after: answer ${msg.id} has ${deltas.length} deltas so far`);
      return void send(connection, errorFrame(error, msg.id));
    }
    for (let i = msg.after; i < deltas.length; i++) send(connection, { type: "delta", id: msg.id, text: deltas[i] ?? "" });
    if (outcome) send(connection, outcome);
    else live?.listeners.set(connection.id, connection);
  }

  /** Stops the running answers of one principal (their sockets are being closed). */
  stopRunningOf(principal: string): void {
    for (const s of this.#entries.values()) if (s.outcome === null && s.principal === principal) s.controller.abort();
  }

  #get(principal: string, id: string): AnswerStream | undefined {
    return this.#entries.get(key(principal, id));
  }

  /** Starts a new answer (replacing a finished one with the same id). */
  #start(principal: string, id: string, connection: Connection): AnswerStream {
    const stream: AnswerStream = {
      principal,
      id,
      deltas: [],
      outcome: null,
      controller: new AbortController(),
      listeners: new Map([[connection.id, connection]]),
    };
    this.#entries.delete(key(principal, id));
    this.#entries.set(key(principal, id), stream);
    this.#bound();
    return stream;
  }

  #pushDelta(stream: AnswerStream, text: string): void {
    stream.deltas.push(text);
    const frame = JSON.stringify({ type: "delta", id: stream.id, text });
    for (const [id, socket] of stream.listeners) if (!send(socket, frame)) stream.listeners.delete(id);
  }

  /** The outcome goes to every listener, then (full data mode) to SQLite for resumes after eviction. */
  #finish(stream: AnswerStream, outcome: StreamOutcome): void {
    stream.outcome = outcome;
    const frame = JSON.stringify(outcome);
    for (const socket of stream.listeners.values()) send(socket, frame);
    stream.listeners.clear();
    try {
      if (keepsChatContent(storedSettings(this.#rt.db))) {
        streams.put(this.#rt.db, stream.principal, stream.id, JSON.stringify(stream.deltas), frame, Date.now());
      }
      this.#finished();
    } catch (error) {
      logFailure(this.#rt.name, error);
    }
  }

  /** A failed turn's error: cancelled when its socket cancelled it, an AppError as it is, anything else logged as internal. */
  #asAppError(error: unknown, aborted: boolean): AppError {
    if (error instanceof AnswerCancelled || aborted) return new AppError("cancelled", "the answer was cancelled");
    if (error instanceof AppError) return error;
    logFailure(this.#rt.name, error);
    return new AppError("internal", "internal error");
  }

  /** Drops the oldest finished answers beyond the bound; running ones are never dropped. */
  #bound(): void {
    if (this.#entries.size <= MAX_STREAMS) return;
    for (const [k, s] of this.#entries) {
      if (this.#entries.size <= MAX_STREAMS) break;
      if (s.outcome !== null) this.#entries.delete(k);
    }
  }
}

const key = (principal: string, id: string) => `${principal}\n${id}`;

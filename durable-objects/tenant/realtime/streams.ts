import { z } from "@hono/zod-openapi";
import type { Connection } from "partyserver";
import { AnswerFrame, ErrorFrame } from "../../../schemas/realtime";

/**
 * Answers streamed over sockets, per (principal, message id), so a client that reconnects can
 * resume one: the deltas sent so far, the outcome once there is one, and the sockets that follow
 * it live. Bounded: at most MAX_STREAMS entries, the oldest finished ones dropped first. Finished
 * answers are also written to SQLite (data/streams.ts) by the object, so a resume works after
 * hibernation or eviction; a running answer lives only here (it dies with the object anyway).
 */
export const MAX_STREAMS = 500;

export const StreamOutcome = z.union([AnswerFrame, ErrorFrame]);
export type StreamOutcome = z.infer<typeof StreamOutcome>;
export const StoredDeltas = z.array(z.string()).max(100_000);

export interface AnswerStream {
  principal: string;
  id: string;
  deltas: string[];
  /** null while the answer is running. */
  outcome: StreamOutcome | null;
  controller: AbortController;
  /** Sockets that receive this answer's next frames: the one that asked, then any that resumed it. */
  listeners: Map<string, Connection>;
}

/** Thrown by a copilot turn whose socket cancelled it: nothing of the turn is stored. */
export class AnswerCancelled extends Error {
  constructor() {
    super("answer cancelled");
    this.name = "AnswerCancelled";
  }
}

export class AnswerStreams {
  readonly #entries = new Map<string, AnswerStream>();

  get(principal: string, id: string): AnswerStream | undefined {
    return this.#entries.get(key(principal, id));
  }

  /** Starts a new answer (replacing a finished one with the same id). */
  start(principal: string, id: string, connection: Connection): AnswerStream {
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

  running(): AnswerStream[] {
    return [...this.#entries.values()].filter((s) => s.outcome === null);
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

import type { Connection } from "partyserver";
import type { ConnectionState } from "../../../schemas/realtime";
import { send } from "./protocol";

/** Presence joins and leaves are coalesced over this window. */
export const PRESENCE_COALESCE_MS = 100;

/** An open socket with a readable state. */
export interface OpenSocket {
  id: string;
  state: ConnectionState;
  connection: Connection;
}

/**
 * `presence`: the distinct users with an open socket, sent to every open socket (all are members).
 * Counts per user live in memory and are rebuilt from the sockets after a wake-up. Joins and
 * leaves are coalesced (one send per PRESENCE_COALESCE_MS at most) and nothing is sent when the
 * set of online users did not change: a burst of N connections costs a few broadcasts, not N
 * (measured: 1,000 joins sent 500,500 frames before this).
 */
export class Presence {
  readonly #sockets: (excluding?: string) => OpenSocket[];
  readonly #connections: () => Iterable<Connection>;
  readonly #onError: (error: unknown) => void;
  /** Open sockets per user (null until first needed after a wake-up). */
  #online: Map<string, number> | null = null;
  /** Sockets already counted out (the runtime may still list them for a moment). */
  readonly #forgotten = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastSent: string | undefined;

  /** `sockets` lists open sockets with their state; `connections` every open socket, unread (cheap, for broadcasts). */
  constructor(sockets: (excluding?: string) => OpenSocket[], connections: () => Iterable<Connection>, onError: (error: unknown) => void) {
    this.#sockets = sockets;
    this.#connections = connections;
    this.#onError = onError;
  }

  /** A socket opened: it learns who is online at once; the others hear of it (if it changes anything). */
  joined(connection: Connection, state: ConnectionState): void {
    const online = this.#counts(connection.id);
    online.set(state.subject, (online.get(state.subject) ?? 0) + 1);
    send(connection, this.#frame());
    this.#broadcast();
  }

  /** A socket leaves presence once, whether the client or the server closed it. */
  left(connection: Connection, state: ConnectionState | null): void {
    if (this.#forgotten.has(connection.id)) return;
    if (this.#forgotten.size > 10_000) this.#forgotten.clear();
    this.#forgotten.add(connection.id);
    const online = this.#counts(connection.id);
    if (state) {
      const left = (online.get(state.subject) ?? 1) - 1;
      if (left > 0) online.set(state.subject, left);
      else online.delete(state.subject);
    }
    this.#broadcast();
  }

  #counts(excluding: string): Map<string, number> {
    if (this.#online === null) {
      // Rebuilt without `excluding` (the caller adds or removes that socket itself) and without
      // sockets already forgotten but not yet gone from the runtime's list.
      const counts = new Map<string, number>();
      for (const s of this.#sockets(excluding)) {
        if (!this.#forgotten.has(s.id)) counts.set(s.state.subject, (counts.get(s.state.subject) ?? 0) + 1);
      }
      this.#online = counts;
    }
    return this.#online;
  }

  #frame(): string {
    return JSON.stringify({ type: "presence", online: [...(this.#online?.keys() ?? [])].sort() });
  }

  #broadcast(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        const frame = this.#frame();
        if (frame === this.#lastSent) return;
        this.#lastSent = frame;
        for (const connection of this.#connections()) send(connection, frame);
      } catch (error) {
        this.#onError(error);
      }
    }, PRESENCE_COALESCE_MS);
  }
}

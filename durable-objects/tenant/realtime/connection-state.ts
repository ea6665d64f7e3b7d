import type { Connection } from "partyserver";
import { ConnectionState } from "../../../schemas/realtime";

/**
 * A socket's identity and message window live in its attachment, so they survive hibernation and
 * eviction. Read back through zod: a malformed attachment reads as null and the caller closes the
 * socket (1011) instead of trusting it.
 */
export const MESSAGE_WINDOW_MS = 10_000;
export const MESSAGES_PER_WINDOW = 30;
/** Consecutive refusals for rate after which the socket is closed with 1008. */
export const MAX_STRIKES = 3;

export function readState(connection: Connection): ConnectionState | null {
  let raw: unknown;
  try {
    raw = connection.state;
  } catch {
    return null;
  }
  const parsed = ConnectionState.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Counts one inbound frame in the connection's fixed window; `admitted` false when over the limit. */
export function countMessage(state: ConnectionState, nowMs: number): { state: ConnectionState; admitted: boolean } {
  if (nowMs - state.msgWindowStart >= MESSAGE_WINDOW_MS || nowMs < state.msgWindowStart) {
    return { state: { ...state, msgWindowStart: nowMs, msgCount: 1 }, admitted: true };
  }
  if (state.msgCount >= MESSAGES_PER_WINDOW) return { state, admitted: false };
  return { state: { ...state, msgCount: state.msgCount + 1 }, admitted: true };
}

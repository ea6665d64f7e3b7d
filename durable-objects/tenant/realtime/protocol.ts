import { ClientMessage, MAX_MESSAGE_BYTES, MessageId, type ErrorFrame, type ServerMessage } from "../../../schemas/realtime";
import type { WSMessage } from "partyserver";

/**
 * Inbound frames are bounded, parsed as JSON and validated with zod; anything else becomes an
 * `error` frame for the client and the socket stays open. Outbound frames are sent best effort:
 * a socket that went away must never break the work that produced the frame.
 */
export type Parsed = { ok: true; message: ClientMessage } | { ok: false; frame: ErrorFrame };

const encoder = new TextEncoder();

function byteLength(message: WSMessage): number {
  if (typeof message !== "string") return message.byteLength;
  // UTF-8 is at most 3 bytes per UTF-16 unit and at least 1: skip the encoding when the bound decides.
  if (message.length > MAX_MESSAGE_BYTES) return message.length;
  if (message.length * 3 <= MAX_MESSAGE_BYTES) return message.length;
  return encoder.encode(message).byteLength;
}

export function parseClientFrame(message: WSMessage): Parsed {
  if (byteLength(message) > MAX_MESSAGE_BYTES) {
    return { ok: false, frame: errorFrame("too_large", `messages are limited to ${MAX_MESSAGE_BYTES} bytes`) };
  }
  if (typeof message !== "string") return { ok: false, frame: errorFrame("bad_message", "messages are JSON text frames") };
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return { ok: false, frame: errorFrame("bad_message", "the message is not valid JSON") };
  }
  const parsed = ClientMessage.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(message)";
  return { ok: false, frame: errorFrame("bad_message", `${where}: ${issue?.message ?? "does not match the schema"}`, idOf(value)) };
}

/** The client's message id, when the frame carries a valid one (so its error can name it). */
function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  const id = MessageId.safeParse(value.id);
  return id.success ? id.data : undefined;
}

export function errorFrame(code: ErrorFrame["code"], message: string, id?: string): ErrorFrame {
  return id === undefined ? { type: "error", code, message } : { type: "error", id, code, message };
}

export function send(socket: WebSocket, frame: ServerMessage | string): boolean {
  try {
    socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}

export function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}

import type { WSMessage } from "partyserver";
import { AppError, fieldErrors } from "../../../schemas/errors";
import {
  ClientMessage,
  MAX_MESSAGE_BYTES,
  MessageId,
  RealtimeErrorCode,
  type ErrorFrame,
  type ServerMessage,
} from "../../../schemas/realtime";

/**
 * The socket's wire: inbound frames are bounded, parsed as JSON and validated with zod; a frame
 * that fails becomes an AppError (the one error shape) and the socket stays open. Every `error`
 * frame and every refused upgrade is made from an AppError here, so the channel fails the way
 * REST does. Outbound frames are sent best effort: a socket that went away must never break the
 * work that produced the frame.
 */
export type Parsed = { ok: true; message: ClientMessage } | { ok: false; error: AppError; id?: string };

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
    return { ok: false, error: new AppError("too_large", `messages are limited to ${MAX_MESSAGE_BYTES} bytes`) };
  }
  if (typeof message !== "string") return { ok: false, error: new AppError("bad_message", "messages are JSON text frames") };
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return { ok: false, error: new AppError("bad_message", "the message is not valid JSON") };
  }
  const parsed = ClientMessage.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const errors = fieldErrors(parsed.error, "(message)");
  const first = errors[0];
  const error = new AppError("bad_message", first ? `${first.path}: ${first.message}` : "the message does not match the schema", {
    errors,
  });
  const id = idOf(value);
  return id === undefined ? { ok: false, error } : { ok: false, error, id };
}

/** The client's message id, when the frame carries a valid one (so its error can name it). */
function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  const id = MessageId.safeParse(value.id);
  return id.success ? id.data : undefined;
}

/** An AppError as a socket `error` frame: its code (when the channel knows it, else `internal`) and its detail as `message`. */
export function errorFrame(error: AppError, id?: string): ErrorFrame {
  const code = RealtimeErrorCode.safeParse(error.code);
  const frame: ErrorFrame = { type: "error", code: code.success ? code.data : "internal", message: error.detail };
  return id === undefined ? frame : { type: "error", id, code: frame.code, message: frame.message };
}

/** An upgrade refused before any socket exists: the error's data with its status (the router makes the problem+json). */
export function refuseUpgrade(error: AppError): Response {
  return Response.json(error.toData(), { status: error.status });
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

import type { AnswerFrame, ClientMessage, ErrorFrame, ServerMessage } from "../../schemas/realtime";
import { api, ApiError, ok } from "./api";

/**
 * The realtime channel, as the web app uses it: a ticket from `POST /v1/realtime/ticket` (the
 * session cookie authenticates it), then `GET /v1/realtime?ticket=…` as a WebSocket. When the
 * socket drops, it reconnects with exponential backoff and full jitter, and every answer that was
 * still streaming is resumed from the number of deltas already shown (`resume`, `after`), so the
 * text ends up exactly as if nothing had happened: nothing repeated, nothing missing.
 */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "offline" | "closed";

export interface AnswerHandlers {
  delta: (text: string) => void;
  answer: (frame: AnswerFrame) => void;
  error: (frame: ErrorFrame) => void;
}

interface Pending {
  ask: Extract<ClientMessage, { type: "ask" }>;
  handlers: AnswerHandlers;
  /** Deltas received so far: what a resume asks the server to skip. */
  deltas: number;
  /** The ask went out on some socket (else the next open sends it). */
  sent: boolean;
  /** A resume is outstanding (an `unknown_id` then means the server never got the ask). */
  resuming: boolean;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Full jitter (a random wait between 0 and the exponential bound), so reconnecting clients spread out. */
export const backoffMs = (attempt: number, random = Math.random): number =>
  Math.round(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt));

/** A narrow check of a server frame (the server validates what it sends; this guards the page). */
function parseFrame(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  try {
    const frame = JSON.parse(data) as { type?: unknown };
    return typeof frame === "object" && frame !== null && typeof frame.type === "string" ? (frame as ServerMessage) : null;
  } catch {
    return null;
  }
}

export class RealtimeConnection {
  #socket: WebSocket | null = null;
  #status: ConnectionStatus = "closed";
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  readonly #pending = new Map<string, Pending>();
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  readonly #frameListeners = new Set<(frame: ServerMessage) => void>();
  #seq = 0;

  constructor() {
    addEventListener("online", this.#onOnline);
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    listener(this.#status);
    return () => this.#statusListeners.delete(listener);
  }

  /** Frames that are not about one answer (presence, job.updated). */
  onFrame(listener: (frame: ServerMessage) => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  open(): void {
    this.#closed = false;
    if (this.#socket || this.#timer) return;
    void this.#connect();
  }

  close(): void {
    this.#closed = true;
    removeEventListener("online", this.#onOnline);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket?.close(1000, "closed by the page");
    this.#socket = null;
    this.#setStatus("closed");
  }

  /** Asks the copilot; the answer streams to `handlers`. Returns the answer's id (for cancel). */
  ask(question: string, options: { jobId?: string; threadId?: string }, handlers: AnswerHandlers): string {
    const id = `a${Date.now().toString(36)}.${(this.#seq++).toString(36)}`;
    const pending: Pending = { ask: { type: "ask", id, question, ...options }, handlers, deltas: 0, sent: false, resuming: false };
    this.#pending.set(id, pending);
    pending.sent = this.#send(pending.ask);
    return id;
  }

  cancel(id: string): void {
    this.#send({ type: "cancel", id });
  }

  /** Asks that have not finished yet. */
  get streaming(): number {
    return this.#pending.size;
  }

  /** Sends when the socket is open; an ask made while it is down goes out when it opens. */
  #send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  readonly #onOnline = () => {
    if (this.#closed || this.#socket) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#attempt = 0;
    void this.#connect();
  };

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  async #connect(): Promise<void> {
    this.#timer = null;
    this.#setStatus(this.#attempt === 0 ? "connecting" : "reconnecting");
    let ticket: string;
    try {
      ticket = (await ok(api.v1.realtime.ticket.$post({ header: {} }))).ticket;
    } catch (error) {
      // Signed out or not allowed: retrying will not help; anything else (offline, 5xx) will.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        this.#failAll(error.code, error.display);
        this.#setStatus("closed");
        return;
      }
      this.#retry();
      return;
    }
    if (this.#closed) return;
    const url = new URL(`/v1/realtime?ticket=${encodeURIComponent(ticket)}`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.addEventListener("open", () => {
      this.#attempt = 0;
      this.#setStatus("open");
      // Every answer still streaming continues where it stopped; one never started is asked again.
      for (const [id, pending] of this.#pending) this.#resumeOrAsk(id, pending);
    });
    socket.addEventListener("message", (event) => this.#onMessage(event.data));
    socket.addEventListener("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (!this.#closed) this.#retry();
    });
  }

  #resumeOrAsk(id: string, pending: Pending): void {
    if (!pending.sent) {
      pending.sent = this.#send(pending.ask);
      return;
    }
    pending.resuming = this.#send({ type: "resume", id, after: pending.deltas });
  }

  #retry(): void {
    if (this.#closed) return;
    this.#setStatus(navigator.onLine ? "reconnecting" : "offline");
    const wait = backoffMs(this.#attempt++);
    this.#timer = setTimeout(() => void this.#connect(), wait);
  }

  #failAll(code: string, message: string): void {
    for (const [id, pending] of this.#pending) pending.handlers.error({ type: "error", id, code: code as ErrorFrame["code"], message });
    this.#pending.clear();
  }

  #onMessage(data: unknown): void {
    const frame = parseFrame(data);
    if (!frame) return;
    if (frame.type === "delta" || frame.type === "answer" || (frame.type === "error" && frame.id !== undefined)) {
      const pending = this.#pending.get(frame.id ?? "");
      if (!pending) return;
      const wasResuming = pending.resuming;
      pending.resuming = false;
      if (frame.type === "delta") {
        pending.deltas++;
        pending.handlers.delta(frame.text);
      } else if (frame.type === "answer") {
        this.#pending.delete(frame.id);
        pending.handlers.answer(frame);
      } else if (frame.code === "unknown_id" && wasResuming && pending.deltas === 0) {
        // The socket dropped before the ask arrived: the server has nothing to resume, so ask again.
        pending.sent = this.#send(pending.ask);
      } else {
        this.#pending.delete(frame.id ?? "");
        pending.handlers.error(frame);
      }
      return;
    }
    for (const listener of this.#frameListeners) listener(frame);
  }
}

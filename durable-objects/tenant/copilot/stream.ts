import { inlineRefs } from "./citations";
import { approxTokens, NOT_FOUND_ANSWER, type ProviderDraft } from "./provider";
import { NOT_FOUND, SYSTEM_PROMPT } from "./prompt";

/**
 * The streaming core shared by the network providers (OpenAI-compatible, Workers AI): typed
 * errors, a Server-Sent Events parser, bounded retries before the first byte, and the one place
 * that turns a model's streamed text into a ProviderDraft.
 */

export type ProviderErrorCode =
  /** Non-2xx from the upstream after the retries allowed. */
  | "upstream_status"
  /** The connection failed (or the binding threw) before a response, after the retries allowed. */
  | "network"
  /** The stream is not what the protocol says: a data line that is not the expected JSON, an error event, an oversized event. */
  | "bad_response"
  /** The stream ended without its terminator ([DONE] or a finish reason). */
  | "truncated"
  /** COPILOT_TIMEOUT_MS elapsed (before or during the stream). */
  | "timeout"
  /** The caller cancelled (the answer's own signal). */
  | "aborted"
  /** The model streamed no text at all. */
  | "empty_answer"
  /** The provider cannot run here (no AI binding). */
  | "unavailable";

export class CopilotProviderError extends Error {
  override readonly name = "CopilotProviderError";
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly provider: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
  }
}

// ------------------------------------------------------------------------------------- SSE

export interface SseEvent {
  event: string;
  /** The event's `data:` lines joined with "\n". */
  data: string;
}

/** One event may not grow past this (a hostile or broken upstream cannot exhaust memory). */
export const MAX_SSE_EVENT_CHARS = 1_000_000;

/**
 * Parses a byte stream as Server-Sent Events (the WHATWG event-stream format): UTF-8 decoded in
 * stream mode (a multi-byte character may be split across chunks), lines ended by CRLF, LF or CR
 * (a CRLF split across chunks counts once), `:` comments (keep-alives) ignored, `data` fields of
 * one event joined with "\n", an event dispatched at a blank line. Events with no data are
 * skipped. At the end of the stream a pending event without its blank line is still dispatched
 * (lenient: some servers end with `data: [DONE]\n`). Each read ends when `signal` aborts, even if
 * the stream's source ignores it.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>, provider: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let data: string[] = [];
  let dataChars = 0;
  let event = "";
  let skipLeadingLf = false;

  const line = (text: string): SseEvent | null => {
    if (text === "") {
      const out = data.length > 0 ? { event: event || "message", data: data.join("\n") } : null;
      data = [];
      dataChars = 0;
      event = "";
      return out;
    }
    if (text.startsWith(":")) return null;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      dataChars += value.length;
      if (dataChars > MAX_SSE_EVENT_CHARS) throw new CopilotProviderError("bad_response", "stream event too large", provider);
      data.push(value);
    } else if (field === "event") {
      event = value;
    }
    // `id`, `retry` and unknown fields are ignored.
    return null;
  };

  try {
    for (;;) {
      const { value, done } = await (signal ? abortable(reader.read(), signal) : reader.read());
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (skipLeadingLf && buffer.startsWith("\n")) buffer = buffer.slice(1);
      skipLeadingLf = false;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        const out = line(buffer.slice(start, i));
        if (ch === "\r") {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === "\n") i++;
          } else {
            skipLeadingLf = true;
          }
        }
        start = i + 1;
        if (out) yield out;
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_SSE_EVENT_CHARS) throw new CopilotProviderError("bad_response", "stream line too long", provider);
      if (done) {
        if (buffer !== "") line(buffer);
        const last = line("");
        if (last) yield last;
        return;
      }
    }
  } finally {
    // Stops the upstream when the consumer stops early (error, [DONE], abort).
    reader.cancel().catch(() => {});
  }
}

// ---------------------------------------------------------------------------- retries

export interface RetryPolicy {
  maxRetries: number;
  /** First backoff step; attempt n waits a random time in [0, base·2ⁿ] (full jitter), at most MAX_BACKOFF_MS. */
  baseDelayMs: number;
}

export const MAX_BACKOFF_MS = 8_000;
/** A Retry-After longer than this is not waited for: the provider fails now (and the answer falls back). */
export const MAX_RETRY_AFTER_MS = 10_000;

/** A retryable failure before the first byte: how long the upstream asked us to wait, if it said. */
export class RetryableFailure {
  constructor(
    readonly error: CopilotProviderError,
    readonly retryAfterMs: number | null,
  ) {}
}

/**
 * Runs `attempt` until it returns, at most 1 + maxRetries times. `attempt` returns a
 * RetryableFailure for what may be retried (429, 5xx, a network error before any response) and
 * throws for everything else. Waits are jittered exponential backoff, or the upstream's
 * Retry-After when it gave one (failing at once if that exceeds MAX_RETRY_AFTER_MS); every wait
 * ends early when `signal` aborts. Only the phase before the first byte goes through here: a
 * stream that already produced text is never retried.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: (n: number) => Promise<T | RetryableFailure>,
  random: () => number = Math.random,
): Promise<T> {
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (!(result instanceof RetryableFailure)) return result;
    if (n >= policy.maxRetries) throw result.error;
    if (result.retryAfterMs !== null && result.retryAfterMs > MAX_RETRY_AFTER_MS) throw result.error;
    const backoff = Math.min(MAX_BACKOFF_MS, policy.baseDelayMs * 2 ** n) * random();
    await sleep(Math.max(backoff, result.retryAfterMs ?? 0), signal);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// ------------------------------------------------------------------------------- signals

export interface Deadline {
  /** The caller's signal or the timeout, whichever comes first. */
  signal: AbortSignal;
  /** Turns whatever was thrown into a typed error: timeout and cancellation recognised by the signals. */
  fail(error: unknown, fallback: ProviderErrorCode, what: string): CopilotProviderError;
}

export function deadline(caller: AbortSignal, timeoutMs: number, provider: string): Deadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: AbortSignal.any([caller, timeout]),
    fail(error, fallback, what) {
      if (error instanceof CopilotProviderError) return error;
      if (caller.aborted) return new CopilotProviderError("aborted", `${what}: cancelled`, provider, undefined, { cause: error });
      if (timeout.aborted)
        return new CopilotProviderError("timeout", `${what}: no answer within ${timeoutMs} ms`, provider, undefined, { cause: error });
      return new CopilotProviderError(fallback, `${what}: ${error instanceof Error ? error.message : String(error)}`, provider, undefined, {
        cause: error,
      });
    },
  };
}

// --------------------------------------------------------------------------------- draft

export interface StreamPiece {
  /** Text to append (may be empty). */
  delta?: string;
  usage?: { tokensIn: number; tokensOut: number };
  model?: string;
  /** The upstream said the answer is complete (a finish reason). */
  finished?: boolean;
}

/** A leak is this many characters (normalised) of one system-prompt line appearing in the output. */
export const LEAK_WINDOW = 40;
/** Output is streamed this many characters behind, so a leak is caught before it is complete. */
const TAIL_HOLD = 2 * LEAK_WINDOW;

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, " ");
/** Every LEAK_WINDOW-long slice of the system prompt's lines that starts at a word. */
const LEAK_PROBES: string[] = SYSTEM_PROMPT.split("\n").flatMap((line) => {
  const l = normalise(line);
  const probes: string[] = [];
  for (let i = 0; i + LEAK_WINDOW <= l.length; i++) if (i === 0 || l[i - 1] === " ") probes.push(l.slice(i, i + LEAK_WINDOW));
  return probes;
});

/**
 * Accumulates a model's streamed text into a ProviderDraft. Deltas reach the caller as they
 * come, TAIL_HOLD characters behind, except while the text so far could still be the sentinel
 * NOT_FOUND (a declined answer streams NOT_FOUND_ANSWER, never the sentinel). If the output
 * starts to repeat the system prompt (LEAK_WINDOW characters of one of its lines), streaming
 * stops and the draft is declined: the prompt is never revealed, whatever the question or the
 * evidence asked for. Claims are the inline `[kind:id]` refs of the text, without quotes
 * (citations.ts validates each ref against the evidence and derives verbatim quotes).
 */
export class DraftBuilder {
  #text = "";
  #emitted = 0;
  #leaked = false;
  #usage: { tokensIn: number; tokensOut: number } | null = null;
  #model: string;
  #finished = false;

  constructor(
    private readonly provider: string,
    model: string,
    /** Estimated prompt tokens, used when the upstream reports no usage. */
    private readonly promptTokens: number,
    private readonly onDelta: (text: string) => void,
  ) {
    this.#model = model;
  }

  get finished(): boolean {
    return this.#finished;
  }

  add(piece: StreamPiece): void {
    if (piece.usage) this.#usage = piece.usage;
    if (piece.model) this.#model = piece.model;
    if (piece.finished) this.#finished = true;
    if (!piece.delta) return;
    const checkFrom = Math.max(0, this.#text.length - 2 * LEAK_WINDOW);
    this.#text += piece.delta;
    if (!this.#leaked) {
      const region = normalise(this.#text.slice(checkFrom));
      this.#leaked = LEAK_PROBES.some((probe) => region.includes(probe));
    }
    if (this.#leaked || this.#holdBack()) return;
    this.#emitUpTo(this.#text.length - TAIL_HOLD);
  }

  finish(): ProviderDraft {
    const text = this.#text.trim();
    if (text === "") throw new CopilotProviderError("empty_answer", "the model returned no text", this.provider);
    const declined = this.#leaked || text.startsWith(NOT_FOUND);
    if (declined) this.onDelta(NOT_FOUND_ANSWER);
    else this.#emitUpTo(this.#text.length);
    return {
      text: declined ? NOT_FOUND_ANSWER : text,
      claims: declined ? [] : inlineRefs(text).map((ref) => ({ ref })),
      declined,
      confidence: null,
      model: this.#model,
      tokensIn: this.#usage?.tokensIn ?? this.promptTokens,
      tokensOut: this.#usage?.tokensOut ?? approxTokens(this.#text),
    };
  }

  #emitUpTo(end: number): void {
    // Never split a surrogate pair between two deltas.
    const code = this.#text.charCodeAt(end - 1);
    const safe = end < this.#text.length && code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
    if (safe <= this.#emitted) return;
    this.onDelta(this.#text.slice(this.#emitted, safe));
    this.#emitted = safe;
  }

  /** True while nothing was emitted and the text so far (after leading blanks) is a prefix of NOT_FOUND, or starts with it. */
  #holdBack(): boolean {
    if (this.#emitted > 0) return false;
    const head = this.#text.trimStart();
    return head.length < NOT_FOUND.length ? NOT_FOUND.startsWith(head) : head.startsWith(NOT_FOUND);
  }
}

/** Rejects with the signal's reason when it aborts first (for sources that ignore signals). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Feeds a provider's SSE stream into a draft until `[DONE]`, the one loop both network providers
 * use. A failure while reading is the deadline's (timeout/abort) or `bad_response`; a stream that
 * ends without `[DONE]` or a finish reason is `truncated`.
 */
export async function readStreamIntoDraft(
  body: ReadableStream<Uint8Array>,
  provider: string,
  limit: Deadline,
  draft: DraftBuilder,
  parse: (data: string) => StreamPiece,
): Promise<ProviderDraft> {
  let done = false;
  try {
    for await (const event of sseEvents(body, provider, limit.signal)) {
      if (event.data.trim() === "[DONE]") {
        done = true;
        break;
      }
      draft.add(parse(event.data));
    }
  } catch (error) {
    throw limit.fail(error, "bad_response", "stream failed");
  }
  if (!done && !draft.finished) throw new CopilotProviderError("truncated", "stream ended without [DONE]", provider);
  return draft.finish();
}

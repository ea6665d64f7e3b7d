import { inlineRefs } from "./citations";
import type { Deadline } from "./deadline";
import { CopilotProviderError } from "./errors";
import { approxTokens, NOT_FOUND_ANSWER, type ProviderDraft } from "./provider";
import { NOT_FOUND, SYSTEM_PROMPT } from "./prompt";
import { sseEvents } from "./sse";

/**
 * The one place that turns a model's streamed text into a ProviderDraft, shared by the network
 * providers: the draft builder, with the guard that stops the output from repeating the system
 * prompt, and the loop that feeds a provider's SSE stream into it.
 */

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

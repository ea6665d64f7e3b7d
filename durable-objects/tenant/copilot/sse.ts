import { abortable } from "./deadline";
import { CopilotProviderError } from "./errors";

/**
 * A Server-Sent Events parser for the network providers' streamed responses, bounded in memory
 * (MAX_SSE_EVENT_CHARS) and ending each read when the call's signal aborts.
 */

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

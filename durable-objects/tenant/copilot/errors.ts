/**
 * The typed failure of a network provider (OpenAI-compatible, Workers AI): what went wrong, as a
 * code the answer path can act on (fall back, report), with the provider's name and the upstream
 * status when there was one.
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

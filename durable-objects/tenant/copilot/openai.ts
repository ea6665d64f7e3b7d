import { z } from "zod";
import { deadline } from "./deadline";
import { DraftBuilder, readStreamIntoDraft, type StreamPiece } from "./draft";
import { CopilotProviderError } from "./errors";
import { buildPrompt } from "./prompt";
import type { CopilotProvider, ProviderDraft, ProviderInput } from "./provider";
import { RetryableFailure, retryAfterMs, withRetries } from "./retries";

/**
 * OpenAI-compatible chat completions, streamed: POST `${baseUrl}/chat/completions` with
 * `stream: true` (and `stream_options.include_usage`), the prompt of prompt.ts, and the key as a
 * Bearer token. The base URL comes only from configuration (providers.ts); nothing in a question
 * or a record can change where a request goes.
 *
 * Failure handling:
 *   - 429, 5xx and network errors before the response are retried (COPILOT_MAX_RETRIES, jittered
 *     exponential backoff, Retry-After honoured up to MAX_RETRY_AFTER_MS); once the response
 *     started, nothing is retried;
 *   - a data line that is not valid JSON of the chunk shape fails the answer (`bad_response`):
 *     skipping it could silently drop words of an answer that then still looks grounded, and
 *     a failed provider falls back to the extractive answer, flagged degraded;
 *   - one deadline (COPILOT_TIMEOUT_MS) covers retries and the whole stream (`timeout`);
 *   - a stream without `[DONE]` or a finish reason is `truncated`; no text is `empty_answer`.
 */
export interface OpenAiOptions {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step (ms). */
  backoffMs?: number;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
}

const NAME = "openai";

/** One streamed chunk; unknown fields are ignored, known ones must have the documented types. */
const ChatChunk = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).nullish(),
  error: z.object({ message: z.string().optional() }).loose().nullish(),
});

export function openAiProvider(options: OpenAiOptions): CopilotProvider {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  return {
    name: NAME,
    async answer(input: ProviderInput, onDelta: (text: string) => void): Promise<ProviderDraft> {
      const prompt = buildPrompt(input.question, input.evidence);
      const limit = deadline(input.signal, options.timeoutMs, NAME);
      const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      const body = JSON.stringify({
        model: options.model,
        messages: prompt.messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0,
        max_tokens: options.maxTokens ?? 512,
      });

      let response: Response;
      try {
        response = await withRetries({ maxRetries: options.maxRetries, baseDelayMs: options.backoffMs ?? 250 }, limit.signal, async () => {
          let res: Response;
          try {
            res = await fetch(url, { method: "POST", headers, body, signal: limit.signal });
          } catch (error) {
            const failure = limit.fail(error, "network", "request failed");
            if (failure.code !== "network") throw failure;
            return new RetryableFailure(failure, null);
          }
          if (res.ok && res.body) return res;
          const detail = await errorDetail(res, options.apiKey);
          const failure = new CopilotProviderError("upstream_status", `upstream answered ${res.status}${detail}`, NAME, res.status);
          if (res.status === 429 || res.status >= 500) return new RetryableFailure(failure, retryAfterMs(res.headers.get("retry-after")));
          throw failure;
        });
      } catch (error) {
        throw limit.fail(error, "network", "request failed");
      }

      const draft = new DraftBuilder(NAME, options.model, Math.ceil(prompt.chars / 4), onDelta);
      return readStreamIntoDraft(response.body as ReadableStream<Uint8Array>, NAME, limit, draft, parseChunk);
    },
  };
}

function parseChunk(data: string): StreamPiece {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new CopilotProviderError("bad_response", "a data line is not JSON", NAME);
  }
  const chunk = ChatChunk.safeParse(json);
  if (!chunk.success) throw new CopilotProviderError("bad_response", "a data line is not a chat completion chunk", NAME);
  if (chunk.data.error) throw new CopilotProviderError("bad_response", `upstream error: ${chunk.data.error.message ?? "unknown"}`, NAME);
  const choice = chunk.data.choices[0];
  return {
    delta: choice?.delta?.content ?? undefined,
    finished: Boolean(choice?.finish_reason),
    model: chunk.data.model,
    usage: chunk.data.usage ? { tokensIn: chunk.data.usage.prompt_tokens, tokensOut: chunk.data.usage.completion_tokens } : undefined,
  };
}

/** A short, single-line excerpt of an error body (never the request; anything like a key masked: errors are logged). */
async function errorDetail(res: Response, apiKey: string | undefined): Promise<string> {
  try {
    let text = (await res.text()).replace(/\s+/g, " ").trim().slice(0, 200);
    if (apiKey) text = text.split(apiKey).join("[redacted]");
    text = text.replace(/\b(sk|key|token)[-_][A-Za-z0-9_*.-]{4,}/gi, "$1-[redacted]");
    return text ? `: ${text}` : "";
  } catch {
    return "";
  }
}

import { z } from "zod";
import { abortable, deadline } from "./deadline";
import { DraftBuilder, readStreamIntoDraft, type StreamPiece } from "./draft";
import { CopilotProviderError } from "./errors";
import { buildPrompt } from "./prompt";
import type { CopilotProvider, ProviderDraft, ProviderInput } from "./provider";
import { RetryableFailure, withRetries } from "./retries";

/**
 * Workers AI through the `AI` binding, same contract as the OpenAI-compatible provider:
 * `ai.run(model, {messages, stream: true})` returns a stream of SSE lines
 * `data: {"response":"…"}` ending with `data: [DONE]`, parsed by the same SSE parser and turned
 * into a draft by the same builder. A binding that throws before the stream is retried like a
 * 5xx (COPILOT_MAX_RETRIES, jittered backoff); a stream that fails midway is not retried.
 */

/** The part of the `Ai` binding this provider uses (a test passes a stand-in). */
export interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

export interface WorkersAiOptions {
  ai: AiRunner;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  backoffMs?: number;
  maxTokens?: number;
}

const NAME = "workers-ai";

const AiChunk = z.object({
  response: z.string().nullish(),
  // Some models stream OpenAI-shaped chunks instead.
  choices: z
    .array(z.object({ delta: z.object({ content: z.string().nullish() }).nullish(), finish_reason: z.string().nullish() }))
    .nullish(),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).nullish(),
});

/** A non-streamed result (a model that ignores `stream`). */
const AiResult = z.object({ response: z.string() });

export function workersAiProvider(options: WorkersAiOptions): CopilotProvider {
  return {
    name: NAME,
    async answer(input: ProviderInput, onDelta: (text: string) => void): Promise<ProviderDraft> {
      const prompt = buildPrompt(input.question, input.evidence);
      const limit = deadline(input.signal, options.timeoutMs, NAME);
      const inputs = { messages: prompt.messages, stream: true, max_tokens: options.maxTokens ?? 512, temperature: 0 };

      let result: unknown;
      try {
        result = await withRetries({ maxRetries: options.maxRetries, baseDelayMs: options.backoffMs ?? 250 }, limit.signal, async () => {
          try {
            return { value: await abortable(options.ai.run(options.model, inputs, { signal: limit.signal }), limit.signal) };
          } catch (error) {
            const failure = limit.fail(error, "network", "AI.run failed");
            if (failure.code !== "network") throw failure;
            return new RetryableFailure(failure, null);
          }
        }).then((r) => r.value);
      } catch (error) {
        throw limit.fail(error, "network", "AI.run failed");
      }

      const draft = new DraftBuilder(NAME, options.model, Math.ceil(prompt.chars / 4), onDelta);
      if (!(result instanceof ReadableStream)) {
        const whole = AiResult.safeParse(result);
        if (!whole.success) throw new CopilotProviderError("bad_response", "AI.run returned neither a stream nor a response", NAME);
        draft.add({ delta: whole.data.response, finished: true });
        return draft.finish();
      }
      return readStreamIntoDraft(result as ReadableStream<Uint8Array>, NAME, limit, draft, parseChunk);
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
  const chunk = AiChunk.safeParse(json);
  if (!chunk.success) throw new CopilotProviderError("bad_response", "a data line is not a Workers AI chunk", NAME);
  const choice = chunk.data.choices?.[0];
  return {
    delta: chunk.data.response ?? choice?.delta?.content ?? undefined,
    finished: Boolean(choice?.finish_reason),
    usage: chunk.data.usage ? { tokensIn: chunk.data.usage.prompt_tokens, tokensOut: chunk.data.usage.completion_tokens } : undefined,
  };
}

import { loadTenantConfig } from "../config";
import { CopilotProviderError } from "./errors";
import { extractiveProvider } from "./extractive";
import { openAiProvider } from "./openai";
import type { CopilotProvider } from "./provider";
import { workersAiProvider, type AiRunner } from "./workers-ai";

/**
 * The provider for an answer, chosen by configuration (COPILOT_PROVIDER):
 *   - `extractive` (default): no network;
 *   - `openai`: OPENAI_BASE_URL + OPENAI_MODEL, key from `overrides.apiKey` (the tenant's stored
 *     provider key, from `tenantProviderKey` in surfaces/admin/provider-keys.ts) or else the Worker
 *     secret OPENAI_API_KEY;
 *   - `workers-ai`: WORKERS_AI_MODEL through the `AI` binding. wrangler.jsonc declares no `ai`
 *     binding (it makes `wrangler dev` and the test pool need a Cloudflare login, offline they
 *     fail to start), so `env.AI` may be undefined: the provider then fails with `unavailable` and
 *     the answer falls back to the extractive one, flagged degraded.
 * The base URL is read from configuration only; overrides deliberately have no URL, and nothing
 * in a question or a record reaches this function. Timeouts and retries come from
 * COPILOT_TIMEOUT_MS and COPILOT_MAX_RETRIES. An invalid configuration (the router already
 * answers 503 then) gives the extractive provider.
 */
export interface ProviderOverrides {
  /** A tenant's own provider key; replaces OPENAI_API_KEY when set. */
  apiKey?: string;
  /** A stand-in for the `AI` binding (tests). */
  ai?: AiRunner;
  /** First backoff step in ms (tests shorten it). */
  backoffMs?: number;
}

export function providerFor(env: object, overrides: ProviderOverrides = {}): CopilotProvider {
  const loaded = loadTenantConfig(env);
  if (!loaded.ok) return extractiveProvider;
  const c = loaded.config;
  switch (c.COPILOT_PROVIDER) {
    case "extractive":
      return extractiveProvider;
    case "openai":
      return openAiProvider({
        // Both are required by the config schema when COPILOT_PROVIDER is openai.
        baseUrl: c.OPENAI_BASE_URL ?? "",
        model: c.OPENAI_MODEL ?? "",
        apiKey: overrides.apiKey ?? c.OPENAI_API_KEY,
        timeoutMs: c.COPILOT_TIMEOUT_MS,
        maxRetries: c.COPILOT_MAX_RETRIES,
        backoffMs: overrides.backoffMs,
      });
    case "workers-ai": {
      const ai = overrides.ai ?? aiBinding(env);
      if (!ai) return unavailable("workers-ai", 'no AI binding is configured (add `ai: { binding: "AI" }` to wrangler.jsonc)');
      return workersAiProvider({
        ai,
        model: c.WORKERS_AI_MODEL,
        timeoutMs: c.COPILOT_TIMEOUT_MS,
        maxRetries: c.COPILOT_MAX_RETRIES,
        backoffMs: overrides.backoffMs,
      });
    }
  }
}

/** The `AI` binding if the environment has one (its generated type is narrower than what we call). */
function aiBinding(env: object): AiRunner | null {
  const ai: unknown = (env as { AI?: unknown }).AI;
  return typeof ai === "object" && ai !== null && typeof (ai as { run?: unknown }).run === "function" ? (ai as AiRunner) : null;
}

function unavailable(name: string, why: string): CopilotProvider {
  return {
    name,
    answer() {
      return Promise.reject(new CopilotProviderError("unavailable", why, name));
    },
  };
}

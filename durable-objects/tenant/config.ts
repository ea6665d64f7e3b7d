import { z } from "@hono/zod-openapi";
import { fieldErrors } from "../../schemas/errors";
import { parseKeyring } from "./crypto/envelope";

/**
 * What the tenant object reads from the Worker's environment: dev auth, rate-limit defaults and
 * bounds, the copilot provider and the provider-key KEKs. The router's configuration
 * (src/config.ts) extends these fields with its own (identity providers, body size, origins), so
 * one variable has one schema and one meaning on both sides. Every variable is documented in the
 * README's configuration table.
 */
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
export const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
export const optionalUrl = z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional());
export const intVar = (name: string, fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || blankToUndefined(v) === undefined ? fallback : Number(v)),
    z
      .number({ error: `${name} must be an integer` })
      .int(`${name} must be an integer`)
      .min(min, `${name} must be >= ${min}`)
      .max(max, `${name} must be <= ${max}`),
  );
export const withDefault = (fallback: string) => (v: unknown) => blankToUndefined(v) ?? fallback;

export const COPILOT_PROVIDERS = ["extractive", "openai", "workers-ai"] as const;
export type CopilotProviderName = (typeof COPILOT_PROVIDERS)[number];
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";

/** The tenant object's variables (a plain shape, so the router's schema can spread it into its own). */
export const TENANT_CONFIG_FIELDS = {
  ENVIRONMENT: z.preprocess(withDefault("production"), z.string().max(64)),
  ALLOW_DEV_AUTH: z.preprocess(withDefault("0"), z.enum(["0", "1"], { error: "ALLOW_DEV_AUTH must be 0 or 1" })),
  RATE_LIMIT_TENANT_PER_MINUTE: intVar("RATE_LIMIT_TENANT_PER_MINUTE", 6_000, 1, 1_000_000),
  RATE_LIMIT_USER_PER_MINUTE: intVar("RATE_LIMIT_USER_PER_MINUTE", 600, 1, 1_000_000),
  RATE_LIMIT_TENANT_PER_MINUTE_MAX: intVar("RATE_LIMIT_TENANT_PER_MINUTE_MAX", 60_000, 1, 10_000_000),
  RATE_LIMIT_USER_PER_MINUTE_MAX: intVar("RATE_LIMIT_USER_PER_MINUTE_MAX", 6_000, 1, 10_000_000),
  // The base URL is configuration only: no tenant input ever chooses where a model request goes.
  COPILOT_PROVIDER: z.preprocess(
    withDefault("extractive"),
    z.enum(COPILOT_PROVIDERS, { error: `COPILOT_PROVIDER must be one of: ${COPILOT_PROVIDERS.join(", ")}` }),
  ),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: optionalString,
  /** A Worker secret (`wrangler secret put OPENAI_API_KEY`); optional for servers that need no key. */
  OPENAI_API_KEY: optionalString,
  /**
   * Key-encryption keys for tenants' provider keys, a Worker secret: `v2:<base64>,v1:<base64>`,
   * the first encrypts (crypto/envelope.ts). Unset: keys cannot be stored.
   */
  PROVIDER_KEY_KEKS: optionalString,
  WORKERS_AI_MODEL: z.preprocess(withDefault(DEFAULT_WORKERS_AI_MODEL), z.string().trim().max(200)),
  COPILOT_TIMEOUT_MS: intVar("COPILOT_TIMEOUT_MS", 30_000, 100, 300_000),
  COPILOT_MAX_RETRIES: intVar("COPILOT_MAX_RETRIES", 2, 0, 5),
};

type TenantConfigFields = z.infer<z.ZodObject<typeof TENANT_CONFIG_FIELDS>>;

/** The checks across the tenant object's variables (the router's schema runs them too). */
export function checkTenantConfig(c: TenantConfigFields, ctx: z.RefinementCtx): void {
  try {
    parseKeyring(c.PROVIDER_KEY_KEKS);
  } catch (error) {
    // The message names the entry and the problem, never key material.
    ctx.addIssue({ code: "custom", path: ["PROVIDER_KEY_KEKS"], message: error instanceof Error ? error.message : "is malformed" });
  }
  if (c.COPILOT_PROVIDER === "openai") {
    if (!c.OPENAI_BASE_URL)
      ctx.addIssue({ code: "custom", path: ["OPENAI_BASE_URL"], message: "OPENAI_BASE_URL is required when COPILOT_PROVIDER is openai" });
    if (!c.OPENAI_MODEL)
      ctx.addIssue({ code: "custom", path: ["OPENAI_MODEL"], message: "OPENAI_MODEL is required when COPILOT_PROVIDER is openai" });
  }
}

const TenantConfigSchema = z.object(TENANT_CONFIG_FIELDS).superRefine(checkTenantConfig);
export type TenantConfig = z.infer<typeof TenantConfigSchema>;

export type Loaded<T> = { ok: true; config: T } | { ok: false; problems: string[] };

/** Parses `env` with `schema` once per environment object (isolates keep theirs), then `finish`es it; never throws. */
export function cachedLoader<P, T>(schema: z.ZodType<P>, finish: (parsed: P) => T): (env: object) => Loaded<T> {
  const cache = new WeakMap<object, Loaded<T>>();
  return (env) => {
    const hit = cache.get(env);
    if (hit) return hit;
    const parsed = schema.safeParse(env);
    const result: Loaded<T> = parsed.success
      ? { ok: true, config: finish(parsed.data) }
      : { ok: false, problems: fieldErrors(parsed.error, "config").map((e) => `${e.path}: ${e.message}`) };
    cache.set(env, result);
    return result;
  };
}

export const loadTenantConfig = cachedLoader(TenantConfigSchema, (c) => c);

/** Local environments: the only ones where dev auth may run and region pinning may fall back. */
export function isLocalEnvironment(environment: string | undefined): boolean {
  return environment === "development" || environment === "test" || environment === "local";
}

/**
 * Dev auth runs only when asked for (ALLOW_DEV_AUTH=1) in an environment named as local: an
 * allow-list, so a misspelt "Production" or "prod" fails closed. The router and the tenant object
 * both call this one function.
 */
export function devAuthAllowed(env: { ALLOW_DEV_AUTH?: string; ENVIRONMENT?: string }): boolean {
  return env.ALLOW_DEV_AUTH === "1" && isLocalEnvironment(env.ENVIRONMENT);
}

export interface PlatformLimits {
  tenantPerMinute: number;
  userPerMinute: number;
  maxTenantPerMinute: number;
  maxUserPerMinute: number;
}

/** Rate-limit defaults and bounds; safe fallbacks if the config is invalid (the router refuses traffic then anyway). */
export function platformLimits(env: object): PlatformLimits {
  const result = loadTenantConfig(env);
  if (!result.ok) return { tenantPerMinute: 6_000, userPerMinute: 600, maxTenantPerMinute: 60_000, maxUserPerMinute: 6_000 };
  const c = result.config;
  return {
    tenantPerMinute: c.RATE_LIMIT_TENANT_PER_MINUTE,
    userPerMinute: c.RATE_LIMIT_USER_PER_MINUTE,
    maxTenantPerMinute: Math.max(c.RATE_LIMIT_TENANT_PER_MINUTE, c.RATE_LIMIT_TENANT_PER_MINUTE_MAX),
    maxUserPerMinute: Math.max(c.RATE_LIMIT_USER_PER_MINUTE, c.RATE_LIMIT_USER_PER_MINUTE_MAX),
  };
}

import { parseKeyring } from "../durable-objects/tenant/crypto/envelope";
import { z } from "@hono/zod-openapi";

/**
 * Worker configuration, parsed once per isolate from the environment. Every variable is
 * documented in the README's configuration table; an invalid value makes /readyz fail and every
 * API route answer 503 rather than run half-configured.
 */
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const optionalUrl = z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional());
const intVar = (name: string, fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || blankToUndefined(v) === undefined ? fallback : Number(v)),
    z
      .number({ error: `${name} must be an integer` })
      .int(`${name} must be an integer`)
      .min(min, `${name} must be >= ${min}`)
      .max(max, `${name} must be <= ${max}`),
  );
const csv = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  z.array(z.string().max(512)),
);

export const SUPPORTED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"] as const;

export const COPILOT_PROVIDERS = ["extractive", "openai", "workers-ai"] as const;
export type CopilotProviderName = (typeof COPILOT_PROVIDERS)[number];
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";

export const ConfigSchema = z
  .object({
    ENVIRONMENT: z.preprocess((v) => blankToUndefined(v) ?? "production", z.string().max(64)),
    ALLOW_DEV_AUTH: z.preprocess((v) => blankToUndefined(v) ?? "0", z.enum(["0", "1"], { error: "ALLOW_DEV_AUTH must be 0 or 1" })),
    MAX_BODY_BYTES: intVar("MAX_BODY_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    RATE_LIMIT_TENANT_PER_MINUTE: intVar("RATE_LIMIT_TENANT_PER_MINUTE", 6_000, 1, 1_000_000),
    RATE_LIMIT_USER_PER_MINUTE: intVar("RATE_LIMIT_USER_PER_MINUTE", 600, 1, 1_000_000),
    RATE_LIMIT_TENANT_PER_MINUTE_MAX: intVar("RATE_LIMIT_TENANT_PER_MINUTE_MAX", 60_000, 1, 10_000_000),
    RATE_LIMIT_USER_PER_MINUTE_MAX: intVar("RATE_LIMIT_USER_PER_MINUTE_MAX", 6_000, 1, 10_000_000),
    PLATFORM_ADMIN_SUBJECTS: csv,
    /** Origins allowed to open the realtime WebSocket (lower-cased); empty: any. */
    ALLOWED_ORIGINS: z.preprocess(
      (v) =>
        typeof v === "string"
          ? v
              .split(",")
              .map((s) => s.trim().toLowerCase())
              .filter(Boolean)
          : [],
      z.array(z.string().max(512)),
    ),
    OIDC_ISSUER: optionalUrl,
    OIDC_AUDIENCE: optionalString,
    OIDC_JWKS_URL: optionalUrl,
    CF_ACCESS_AUD: optionalString,
    CF_ACCESS_ISSUER: optionalUrl,
    CF_ACCESS_JWKS_URL: optionalUrl,
    CF_ACCESS_TEAM_DOMAIN: optionalUrl,
    JWT_ALGORITHMS: z.preprocess(
      (v) => (typeof v === "string" && v.trim() !== "" ? v.split(",").map((s) => s.trim()) : ["RS256", "ES256"]),
      z
        .array(z.enum(SUPPORTED_ALGORITHMS, { error: `JWT_ALGORITHMS entries must be asymmetric: ${SUPPORTED_ALGORITHMS.join(", ")}` }))
        .min(1),
    ),
    JWT_CLOCK_TOLERANCE_SECONDS: intVar("JWT_CLOCK_TOLERANCE_SECONDS", 30, 0, 300),
    // Copilot providers (durable-objects/tenant/copilot/providers.ts). The base URL is configuration
    // only: no tenant input ever chooses where a model request goes.
    COPILOT_PROVIDER: z.preprocess(
      (v) => blankToUndefined(v) ?? "extractive",
      z.enum(COPILOT_PROVIDERS, { error: `COPILOT_PROVIDER must be one of: ${COPILOT_PROVIDERS.join(", ")}` }),
    ),
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_MODEL: optionalString,
    /** A Worker secret (`wrangler secret put OPENAI_API_KEY`); optional for servers that need no key. */
    OPENAI_API_KEY: optionalString,
    /**
     * Key-encryption keys for tenants' provider keys, a Worker secret: `v2:<base64>,v1:<base64>`,
     * the first encrypts (durable-objects/tenant/crypto/envelope.ts). Unset: keys cannot be stored.
     */
    PROVIDER_KEY_KEKS: optionalString,
    WORKERS_AI_MODEL: z.preprocess((v) => blankToUndefined(v) ?? DEFAULT_WORKERS_AI_MODEL, z.string().trim().max(200)),
    COPILOT_TIMEOUT_MS: intVar("COPILOT_TIMEOUT_MS", 30_000, 100, 300_000),
    COPILOT_MAX_RETRIES: intVar("COPILOT_MAX_RETRIES", 2, 0, 5),
  })
  .superRefine((c, ctx) => {
    if (c.OIDC_ISSUER && !c.OIDC_AUDIENCE)
      ctx.addIssue({ code: "custom", path: ["OIDC_AUDIENCE"], message: "OIDC_AUDIENCE is required when OIDC_ISSUER is set" });
    if (c.CF_ACCESS_AUD && !c.CF_ACCESS_JWKS_URL && !c.CF_ACCESS_TEAM_DOMAIN) {
      ctx.addIssue({
        code: "custom",
        path: ["CF_ACCESS_JWKS_URL"],
        message: "CF_ACCESS_JWKS_URL or CF_ACCESS_TEAM_DOMAIN is required when CF_ACCESS_AUD is set",
      });
    }
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
  });

export type Config = z.infer<typeof ConfigSchema> & {
  devAuth: boolean;
  /** Issuer assumed for members added without one: OIDC, then Access, then dev. */
  defaultIssuer: string;
  accessIssuer: string | undefined;
  accessJwksUrl: string | undefined;
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const cache = new WeakMap<object, ConfigResult>();

/** Parsed configuration for this environment object (cached per isolate). Never throws. */
export function loadConfig(env: object): ConfigResult {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = ConfigSchema.safeParse(env);
  let result: ConfigResult;
  if (!parsed.success) {
    result = { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`) };
  } else {
    const c = parsed.data;
    const team = c.CF_ACCESS_TEAM_DOMAIN?.replace(/\/+$/, "");
    const devAuth = devAuthAllowed(c);
    result = {
      ok: true,
      config: {
        ...c,
        devAuth,
        accessIssuer: c.CF_ACCESS_ISSUER ?? team,
        accessJwksUrl: c.CF_ACCESS_JWKS_URL ?? (team ? `${team}/cdn-cgi/access/certs` : undefined),
        defaultIssuer: c.OIDC_ISSUER ?? c.CF_ACCESS_ISSUER ?? team ?? (devAuth ? DEV_ISSUER : "unconfigured"),
      },
    };
  }
  cache.set(env, result);
  return result;
}

export const DEV_ISSUER = "dev";

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
export function loadPlatformLimits(env: object): PlatformLimits {
  const result = loadConfig(env);
  if (!result.ok) return { tenantPerMinute: 6_000, userPerMinute: 600, maxTenantPerMinute: 60_000, maxUserPerMinute: 6_000 };
  const c = result.config;
  return {
    tenantPerMinute: c.RATE_LIMIT_TENANT_PER_MINUTE,
    userPerMinute: c.RATE_LIMIT_USER_PER_MINUTE,
    maxTenantPerMinute: Math.max(c.RATE_LIMIT_TENANT_PER_MINUTE, c.RATE_LIMIT_TENANT_PER_MINUTE_MAX),
    maxUserPerMinute: Math.max(c.RATE_LIMIT_USER_PER_MINUTE, c.RATE_LIMIT_USER_PER_MINUTE_MAX),
  };
}

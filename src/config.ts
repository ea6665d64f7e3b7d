import { z } from "@hono/zod-openapi";
import {
  cachedLoader,
  checkTenantConfig,
  devAuthAllowed,
  intVar,
  optionalString,
  optionalUrl,
  TENANT_CONFIG_FIELDS,
  type Loaded,
} from "../durable-objects/tenant/config";
import { parseKeyring, type Keyring } from "../durable-objects/tenant/crypto/envelope";
import { AllowedTokenTypes } from "./identity/token-type";

/**
 * The router Worker's configuration, parsed once per isolate from the environment: the tenant
 * object's variables (durable-objects/tenant/config.ts) plus the router's own (identity
 * providers, body size, origins, operators). Every variable is documented in the README's
 * configuration table; an invalid value makes /readyz fail and every API route answer 503 rather
 * than run half-configured.
 */
const csv = (lowerCase: boolean) =>
  z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(",")
            .map((s) => (lowerCase ? s.trim().toLowerCase() : s.trim()))
            .filter(Boolean)
        : [],
    z.array(z.string().max(512)),
  );

export const SUPPORTED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"] as const;

export const DEV_ISSUER = "dev";

export const ConfigSchema = z
  .object({
    ...TENANT_CONFIG_FIELDS,
    MAX_BODY_BYTES: intVar("MAX_BODY_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    PLATFORM_ADMIN_SUBJECTS: csv(false),
    /** Origins allowed to open the realtime WebSocket (lower-cased); empty: any. */
    ALLOWED_ORIGINS: csv(true),
    OIDC_ISSUER: optionalUrl,
    OIDC_AUDIENCE: optionalString,
    OIDC_JWKS_URL: optionalUrl,
    /** Allowed `typ` headers of OIDC bearer tokens (src/identity/token-type.ts); empty: not checked. */
    OIDC_ALLOWED_TOKEN_TYPES: AllowedTokenTypes,
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
    /** The web app's session key ring (a secret; src/identity/session.ts). Unset: no sign-in sessions. */
    SESSION_KEYS: optionalString,
    /** The web app's OIDC client (src/identity/oidc-client.ts): its id (a var) and secret (a secret) at OIDC_ISSUER. */
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    /** Where the issuer sends people back; unset: the request's origin + `/auth/callback`. */
    OIDC_REDIRECT_URI: optionalUrl,
  })
  .superRefine((c, ctx) => {
    checkTenantConfig(c, ctx);
    try {
      parseKeyring(c.SESSION_KEYS, "SESSION_KEYS");
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["SESSION_KEYS"], message: error instanceof Error ? error.message : "is malformed" });
    }
    if (c.OIDC_ISSUER && !c.OIDC_AUDIENCE)
      ctx.addIssue({ code: "custom", path: ["OIDC_AUDIENCE"], message: "OIDC_AUDIENCE is required when OIDC_ISSUER is set" });
    if (c.CF_ACCESS_AUD && !c.CF_ACCESS_JWKS_URL && !c.CF_ACCESS_TEAM_DOMAIN) {
      ctx.addIssue({
        code: "custom",
        path: ["CF_ACCESS_JWKS_URL"],
        message: "CF_ACCESS_JWKS_URL or CF_ACCESS_TEAM_DOMAIN is required when CF_ACCESS_AUD is set",
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema> & {
  devAuth: boolean;
  /** Issuer assumed for members added without one: OIDC, then Access, then dev. */
  defaultIssuer: string;
  accessIssuer: string | undefined;
  accessJwksUrl: string | undefined;
  sessionKeys: Keyring;
  /** OIDC sign-in (`/auth/login`) is on: OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and SESSION_KEYS are all set. */
  oidcSignIn: boolean;
};

export type ConfigResult = Loaded<Config>;

/** Parsed configuration for this environment object (cached per isolate). Never throws. */
export const loadConfig: (env: object) => ConfigResult = cachedLoader(ConfigSchema, (c): Config => {
  const team = c.CF_ACCESS_TEAM_DOMAIN?.replace(/\/+$/, "");
  const devAuth = devAuthAllowed(c);
  return {
    ...c,
    devAuth,
    sessionKeys: parseKeyring(c.SESSION_KEYS, "SESSION_KEYS"),
    oidcSignIn: Boolean(c.OIDC_ISSUER && c.OIDC_CLIENT_ID && c.OIDC_CLIENT_SECRET && c.SESSION_KEYS),
    accessIssuer: c.CF_ACCESS_ISSUER ?? team,
    accessJwksUrl: c.CF_ACCESS_JWKS_URL ?? (team ? `${team}/cdn-cgi/access/certs` : undefined),
    defaultIssuer: c.OIDC_ISSUER ?? c.CF_ACCESS_ISSUER ?? team ?? (devAuth ? DEV_ISSUER : "unconfigured"),
  };
});

import { errors, jwtVerify, type JWTPayload } from "jose";
import { Role, UserId } from "../../schemas/common";
import { principalKey, type Principal } from "../../schemas/identity";
import { DEV_ISSUER, type Config } from "../config";
import { AppError } from "../../schemas/errors";
import { discoverJwksUri, keySetFor } from "./key-set";

/**
 * The one authentication path. Sources are tried in a fixed order, and a credential that is
 * present but invalid is a 401, never a fall-through to a weaker source:
 *   1. Cloudflare Access: `Cf-Access-Jwt-Assertion`, else the `CF_Authorization` cookie (when configured);
 *   2. OIDC bearer: `Authorization: Bearer <jwt>`;
 *   3. dev headers, only when ALLOW_DEV_AUTH=1 outside production.
 * Signatures are checked before claims (jose), algorithms come from an asymmetric allow-list,
 * `exp` is required, and oversize tokens are refused before any parsing.
 */
export const MAX_TOKEN_BYTES = 8 * 1024;
const VERIFIED_CACHE_MAX = 5_000;
const VERIFIED_CACHE_TTL_MS = 5 * 60_000;

/** Verified tokens → principal until min(exp, 5 min): repeated calls skip signature work. */
const verified = new Map<string, { principal: Principal; until: number }>();

export interface AuthInput {
  header: (name: string) => string | undefined;
  waitUntil: (p: Promise<unknown>) => void;
}

export async function authenticate(req: AuthInput, config: Config): Promise<Principal> {
  if (config.CF_ACCESS_AUD) {
    const token = req.header("cf-access-jwt-assertion") ?? cookie(req.header("cookie"), "CF_Authorization");
    if (token !== undefined)
      return verifyCached(`access:${config.CF_ACCESS_AUD}:${config.CF_ACCESS_ISSUER ?? ""}:${token}`, () =>
        verifyAccess(token, config, req.waitUntil),
      );
  }
  const authorization = req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated("the Authorization header must be `Bearer <jwt>`");
    if (!config.OIDC_ISSUER || !config.OIDC_AUDIENCE) throw unauthenticated("bearer tokens are not accepted by this deployment");
    const token = match[1];
    return verifyCached(`oidc:${config.OIDC_AUDIENCE}:${config.OIDC_ISSUER}:${token}`, () => verifyOidc(token, config, req.waitUntil));
  }
  if (config.devAuth) return devPrincipal(req);
  throw unauthenticated("authentication required");
}

/**
 * A dev identity (local use only). `x-user-role` is trusted as given; without it the tenant
 * object uses the member's own role (else technician): `devRole: "member"`.
 */
function devPrincipal(req: AuthInput): Principal {
  const subject = UserId.safeParse(req.header("x-user-id"));
  if (!subject.success) throw unauthenticated("dev auth: send x-user-id (1-256 characters of A-Z a-z 0-9 . _ : @ | + -)");
  const roleHeader = req.header("x-user-role");
  if (roleHeader === undefined) return { issuer: DEV_ISSUER, subject: subject.data, email: null, devRole: "member" };
  const role = Role.safeParse(roleHeader);
  if (!role.success) throw unauthenticated(`dev auth: x-user-role must be one of ${Role.options.join(", ")}`);
  return { issuer: DEV_ISSUER, subject: subject.data, email: null, devRole: role.data };
}

async function verifyCached(key: string, verify: () => Promise<{ principal: Principal; exp: number }>): Promise<Principal> {
  if (key.length > MAX_TOKEN_BYTES + 1_200) throw unauthenticated(`tokens larger than ${MAX_TOKEN_BYTES} bytes are refused`);
  const now = Date.now();
  const hit = verified.get(key);
  if (hit && hit.until > now) return hit.principal;
  if (hit) verified.delete(key);
  const { principal, exp } = await verify();
  if (verified.size >= VERIFIED_CACHE_MAX) {
    const oldest = verified.keys().next().value;
    if (oldest !== undefined) verified.delete(oldest);
  }
  verified.set(key, { principal, until: Math.min(exp * 1000, now + VERIFIED_CACHE_TTL_MS) });
  return principal;
}

async function verifyOidc(
  token: string,
  config: Config,
  waitUntil: AuthInput["waitUntil"],
): Promise<{ principal: Principal; exp: number }> {
  const issuer = config.OIDC_ISSUER as string;
  const keys = keySetFor(`oidc:${config.OIDC_JWKS_URL ?? issuer}`, async () => config.OIDC_JWKS_URL ?? (await discoverJwksUri(issuer)));
  const payload = await verifyJwt(token, keys.resolver(waitUntil), config, { issuer, audience: config.OIDC_AUDIENCE as string });
  const subject = typeof payload.sub === "string" ? payload.sub : "";
  return { principal: principalFrom(issuer, subject, payload), exp: payload.exp as number };
}

async function verifyAccess(
  token: string,
  config: Config,
  waitUntil: AuthInput["waitUntil"],
): Promise<{ principal: Principal; exp: number }> {
  const jwksUrl = config.accessJwksUrl as string;
  const keys = keySetFor(`access:${jwksUrl}`, async () => jwksUrl);
  const payload = await verifyJwt(token, keys.resolver(waitUntil), config, {
    audience: config.CF_ACCESS_AUD as string,
    ...(config.CF_ACCESS_ISSUER ? { issuer: config.CF_ACCESS_ISSUER } : {}),
  });
  // Access service tokens carry no `sub` (it is empty); their identity is `common_name`.
  const subject =
    typeof payload.sub === "string" && payload.sub !== ""
      ? payload.sub
      : typeof payload.common_name === "string"
        ? payload.common_name
        : "";
  const issuer = config.accessIssuer ?? (typeof payload.iss === "string" ? payload.iss : "access");
  return { principal: principalFrom(issuer, subject, payload), exp: payload.exp as number };
}

async function verifyJwt(
  token: string,
  key: Parameters<typeof jwtVerify>[1],
  config: Config,
  expect: { issuer?: string; audience: string },
): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_BYTES) throw unauthenticated(`tokens larger than ${MAX_TOKEN_BYTES} bytes are refused`);
  try {
    const { payload } = await jwtVerify(token, key as never, {
      algorithms: config.JWT_ALGORITHMS,
      audience: expect.audience,
      ...(expect.issuer ? { issuer: expect.issuer } : {}),
      clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp"],
    });
    return payload;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unauthenticated(reasonFor(error));
  }
}

/** A stable, non-revealing reason per jose error code (switching on `code`, never on text). */
function reasonFor(error: unknown): string {
  if (!(error instanceof errors.JOSEError)) return "the token could not be verified";
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return "the token's claims are not valid for this service";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's signing algorithm is not allowed";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "the token was signed with an unknown key";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature is not valid";
    default:
      return "the token could not be verified";
  }
}

function principalFrom(issuer: string, subject: string, payload: JWTPayload): Principal {
  const parsed = UserId.safeParse(subject);
  if (!parsed.success) throw unauthenticated("the token has no usable subject");
  const email = typeof payload.email === "string" && payload.email.length <= 320 ? payload.email : null;
  return { issuer, subject: parsed.data, email, devRole: null };
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

function unauthenticated(detail: string): AppError {
  return new AppError("unauthenticated", detail);
}

/**
 * Operators are listed in PLATFORM_ADMIN_SUBJECTS as `issuer|subject`, or as a bare subject that
 * then matches only the deployment's primary issuer (config.defaultIssuer): the same `sub` from
 * another trusted provider (an Access user, say) is a different person and not an operator.
 */
export function isPlatformOperator(principal: Principal, config: Config): boolean {
  if (principal.devRole !== null && !config.devAuth) return false;
  return config.PLATFORM_ADMIN_SUBJECTS.some((entry) =>
    entry.includes("|") ? entry === principalKey(principal) : entry === principal.subject && principal.issuer === config.defaultIssuer,
  );
}

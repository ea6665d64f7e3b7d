import { importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import { inject } from "vitest";
import { TEST_ACCESS_AUD, TEST_AUDIENCE } from "../constants";

export const keys = inject("keys");

export interface MintOptions {
  sub?: string | undefined;
  aud?: string;
  iss?: string;
  expiresIn?: number | null;
  notBefore?: number;
  alg?: "RS256" | "ES256";
  key?: JWK;
  kid?: string;
  claims?: JWTPayload;
}

/** A real JWT signed with the test IdP's private key (or the foreign key, for attack tests). */
export async function mintToken(options: MintOptions = {}): Promise<string> {
  const alg = options.alg ?? "RS256";
  const jwk = options.key ?? (alg === "ES256" ? keys.ec : keys.rsa);
  const key = await importJWK(jwk, alg);
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ ...(options.claims ?? {}) })
    .setProtectedHeader({ alg, kid: options.kid ?? (jwk.kid as string), typ: "JWT" })
    .setIssuer(options.iss ?? keys.issuer)
    .setAudience(options.aud ?? TEST_AUDIENCE)
    .setIssuedAt(now);
  if (options.sub !== undefined) jwt = jwt.setSubject(options.sub);
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(key);
}

export function userToken(sub: string, extra: MintOptions = {}): Promise<string> {
  return mintToken({ sub, ...extra });
}

/** A Cloudflare Access assertion (user, or service token with common_name and empty sub). */
export function accessToken(options: { sub?: string; commonName?: string; aud?: string } = {}): Promise<string> {
  return mintToken({
    sub: options.sub ?? "",
    iss: keys.accessIssuer,
    aud: options.aud ?? TEST_ACCESS_AUD,
    claims: options.commonName ? { common_name: options.commonName } : {},
  });
}

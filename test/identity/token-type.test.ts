import { env } from "cloudflare:workers";
import { importJWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_AUDIENCE } from "../constants";
import { call } from "../helpers/api";
import { callWithEnv } from "../helpers/edge";
import { expectProblem, expectUnauthenticated } from "../helpers/expect-api";
import { accessToken, keys } from "../helpers/tokens";
import { tenantWithCast, type Cast } from "../helpers/world";
import { loadConfig } from "../../src/config";

/**
 * Explicit typing (RFC 8725 §3.11): OIDC_ALLOWED_TOKEN_TYPES lists the JWS `typ` values an OIDC
 * bearer token may carry (RFC 9068 access tokens say `at+jwt`), compared case-insensitively with
 * `application/` optional (RFC 7515 §4.1.9). Unset: no check. Anything else is a 401.
 */

/** A token of the test IdP for `subject` whose header says `typ` (or has none when null). */
async function typed(subject: string, typ: string | null): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid: keys.rsa.kid as string, ...(typ === null ? {} : { typ }) })
    .setIssuer(keys.issuer)
    .setAudience(TEST_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(await importJWK(keys.rsa, "RS256"));
}

describe("OIDC_ALLOWED_TOKEN_TYPES", () => {
  let cast: Cast;
  beforeAll(async () => {
    cast = await tenantWithCast("typ");
  });

  it.each([
    ["at+jwt", "at+jwt", true],
    ["at+jwt", "application/at+jwt", true],
    ["at+jwt", "AT+JWT", true],
    ["application/at+jwt", "at+jwt", true],
    ["at+jwt", "JWT", false],
    ["at+jwt", "application/jwt", false],
    ["at+jwt", null, false],
    ["at+jwt", "at+jwt; charset=utf-8", false],
    ["at+jwt, JWT", "JWT", true],
    ["at+jwt, JWT", "application/JWT", true],
    ["at+jwt, JWT", "id+jwt", false],
  ] as const)("allow-list %j: a token with typ %j is %s", async (allowed, typ, accepted) => {
    const res = await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: allowed }, "/v1/me", { token: await typed(cast.subjects.technician, typ) });
    if (accepted) {
      expect(res.status, res.text).toBe(200);
      expect(res.body.user.subject).toBe(cast.subjects.technician);
    } else {
      expectUnauthenticated(res);
      expect(res.body.detail).toBe("the token's type (typ) is not accepted by this service");
    }
  });

  it("is not checked when unset, and a token accepted then is still refused under an allow-list (no cache carry-over)", async () => {
    const jwtTyped = await typed(cast.subjects.technician, "JWT");
    const untyped = await typed(cast.subjects.technician, null);
    for (const token of [jwtTyped, untyped]) expect((await call("/v1/me", { token })).status).toBe(200);
    for (const token of [jwtTyped, untyped])
      expect((await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: "" }, "/v1/me", { token })).status).toBe(200);
    for (const token of [jwtTyped, untyped])
      expectUnauthenticated(await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: "at+jwt" }, "/v1/me", { token }));
  });

  it("does not apply to Cloudflare Access assertions", async () => {
    // Access signs its assertions with typ JWT; the allow-list is about OIDC access tokens. The
    // assertion names someone who is no member: 403 shows it passed authentication.
    const assertion = await accessToken({ sub: cast.subjects.technician });
    const res = await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: "at+jwt" }, "/v1/me", { headers: { "cf-access-jwt-assertion": assertion } });
    expectProblem(res, 403, "not_a_member");
  });

  it.each(["at jwt", "at+jwt,a/b/c", "application/at+jwt;q=1", "/at+jwt", "at+jwt,\u00e9"])(
    "a malformed value (%j) makes /readyz say so and API routes answer 503",
    async (value) => {
      const result = loadConfig({ ...env, OIDC_ALLOWED_TOKEN_TYPES: value });
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      expect(problems).toEqual([
        expect.stringMatching(/^OIDC_ALLOWED_TOKEN_TYPES\[\d\]: must be a media type such as at\+jwt or application\/at\+jwt$/),
      ]);

      const ready = await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: value }, "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: "not_ready", checks: { config: problems.join("; ") } });
      expectProblem(await callWithEnv({ OIDC_ALLOWED_TOKEN_TYPES: value }, "/v1/me", { token: cast.technician }), 503, "not_ready");
    },
  );

  it("accepts blank entries and normalises the list", () => {
    const result = loadConfig({ ...env, OIDC_ALLOWED_TOKEN_TYPES: " AT+JWT , application/at+jwt,, JWT ," });
    expect(result.ok && result.config.OIDC_ALLOWED_TOKEN_TYPES).toEqual(["at+jwt", "jwt"]);
    const unset = loadConfig({ ...env, OIDC_ALLOWED_TOKEN_TYPES: undefined });
    expect(unset.ok && unset.config.OIDC_ALLOWED_TOKEN_TYPES).toEqual([]);
  });
});

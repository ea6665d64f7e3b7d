import * as oauth from "oauth4webapi";
import { UserId } from "../../schemas/common";
import { AppError } from "../../schemas/errors";
import type { Config } from "../config";
import type { FlowClaims, NewFlow } from "./session";

/**
 * The web app's OIDC client: the Worker is the backend-for-frontend of the authorization code
 * flow with PKCE (S256), so no token ever reaches page JavaScript. All protocol work is
 * oauth4webapi's (discovery, PKCE, the authorization response's state and `iss`, the token
 * request with client authentication, the ID token's issuer, audience, nonce, expiry and its
 * signature through the issuer's JWKS); this file only wires it to FieldPilot's configuration.
 * Between `/auth/login` and `/auth/callback` the flow's secrets live in a sealed cookie
 * (session.ts `sealFlow`), never in the Worker.
 */
export const OIDC_SCOPES = ["openid", "email", "profile"] as const;
/** Discovery documents are kept this long per isolate (a failed discovery is not kept). */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** Each call to the issuer gives up after this long. */
const ISSUER_TIMEOUT_MS = 5_000;

/** A refusal of the callback: the user is sent back to the sign-in page with this short message. */
export class SignInFailure extends Error {}

/** Plain http is allowed only for an issuer on loopback (tests, local development). */
function loopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]");
}

function requestOptions(issuer: string, timeoutMs = ISSUER_TIMEOUT_MS): { signal: AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  return { signal: AbortSignal.timeout(timeoutMs), ...(loopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {}) };
}

/** The issuer did not answer in time. */
function timedOut(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** The issuer could not be reached (fetch fails with a TypeError; oauth4webapi's own TypeErrors say something else). */
function unreachable(error: unknown): boolean {
  return error instanceof TypeError && !(error instanceof oauth.UnsupportedOperationError);
}

const discovered = new Map<string, { at: number; server: Promise<oauth.AuthorizationServer> }>();

/** The issuer's discovery document (cached per isolate); a 503 when it cannot be had. */
export async function authorizationServer(issuer: string, now = Date.now()): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(issuer);
  if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.server;
  const server = (async () => {
    const url = new URL(issuer);
    const response = await oauth.discoveryRequest(url, { algorithm: "oidc", ...requestOptions(issuer) });
    return oauth.processDiscoveryResponse(url, response);
  })();
  discovered.set(issuer, { at: now, server });
  try {
    return await server;
  } catch {
    discovered.delete(issuer);
    throw new AppError("not_ready", "the identity provider's discovery document could not be fetched or is not valid; try again later");
  }
}

interface Client {
  issuer: string;
  client: oauth.Client;
  secret: string;
}

function clientOf(config: Config): Client {
  if (!config.oidcSignIn) throw new AppError("not_found", "sign-in with a company account is not configured on this deployment");
  return {
    issuer: config.OIDC_ISSUER as string,
    client: { client_id: config.OIDC_CLIENT_ID as string },
    secret: config.OIDC_CLIENT_SECRET as string,
  };
}

/** client_secret_basic unless the issuer lists only client_secret_post (absent list: basic, RFC 8414 §2). */
function clientAuth(as: oauth.AuthorizationServer, secret: string): oauth.ClientAuth {
  const methods = as.token_endpoint_auth_methods_supported;
  return methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);
}

/** The redirect URI: OIDC_REDIRECT_URI, else this request's origin + `/auth/callback`. */
export function redirectUriFor(config: Config, requestUrl: string): string {
  return config.OIDC_REDIRECT_URI ?? `${new URL(requestUrl).origin}/auth/callback`;
}

/** Starts a sign-in: the authorization URL to send the browser to, and the flow to seal in its cookie. */
export async function startSignIn(config: Config, requestUrl: string, returnTo: string): Promise<{ location: string; flow: NewFlow }> {
  const { issuer, client } = clientOf(config);
  const as = await authorizationServer(issuer);
  if (!as.authorization_endpoint || !as.token_endpoint)
    throw new AppError("not_ready", "the identity provider's discovery document names no authorization or token endpoint");
  const verifier = oauth.generateRandomCodeVerifier();
  const flow: NewFlow = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier,
    redirectUri: redirectUriFor(config, requestUrl),
    returnTo,
  };
  const url = new URL(as.authorization_endpoint);
  const scopes: string[] = [...OIDC_SCOPES];
  if (as.scopes_supported?.includes("offline_access")) scopes.push("offline_access");
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", flow.redirectUri);
  url.searchParams.set("scope", scopes.join(" "));
  url.searchParams.set("state", flow.state);
  url.searchParams.set("nonce", flow.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  // offline_access is granted only with consent (OIDC Core §11).
  if (scopes.includes("offline_access")) url.searchParams.set("prompt", "consent");
  return { location: url.href, flow };
}

const emailOf = (claims: oauth.IDToken): string | null =>
  typeof claims.email === "string" && claims.email.length <= 320 ? claims.email : null;

export interface SignedIn {
  issuer: string;
  subject: string;
  email: string | null;
  idToken: string | undefined;
  refreshToken: string | undefined;
}

/**
 * Finishes a sign-in from the callback's URL and the flow's cookie: state, the issuer's error,
 * the code exchange and the ID token. Every refusal is a `SignInFailure` with a short message
 * (an unreachable issuer: a 503 AppError).
 */
export async function finishSignIn(config: Config, callbackUrl: URL, flow: FlowClaims): Promise<SignedIn> {
  const { issuer, client, secret } = clientOf(config);
  const as = await authorizationServer(issuer);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, callbackUrl, flow.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError)
      throw new SignInFailure(`the identity provider refused the sign-in (${error.error.slice(0, 64)})`);
    throw new SignInFailure("the sign-in response does not match the sign-in that was started; try again");
  }
  let tokens: oauth.TokenEndpointResponse;
  let claims: oauth.IDToken | undefined;
  try {
    const options = requestOptions(issuer);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth(as, secret),
      params,
      flow.redirectUri,
      flow.verifier,
      options,
    );
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
    await oauth.validateApplicationLevelSignature(as, response, requestOptions(issuer));
    claims = oauth.getValidatedIdTokenClaims(tokens);
  } catch (error) {
    if (timedOut(error)) throw new AppError("not_ready", "the identity provider did not answer in time; try again later");
    if (unreachable(error)) throw new AppError("not_ready", "the identity provider could not be reached; try again later");
    throw new SignInFailure("the identity provider's answer could not be verified; try again");
  }
  const subject = UserId.safeParse(claims?.sub);
  if (!claims || !subject.success) throw new SignInFailure("the identity provider gave no usable user id");
  return {
    issuer,
    subject: subject.data,
    email: emailOf(claims),
    idToken: tokens.id_token,
    refreshToken: typeof tokens.refresh_token === "string" ? tokens.refresh_token : undefined,
  };
}

/** What a refresh-token grant came to; session-renewal.ts decides what the session does with it. */
export type Refresh =
  /** New tokens when the issuer sent them (it need not rotate the refresh token, nor send an ID token). */
  | { outcome: "renewed"; refreshToken: string | undefined; idToken: string | undefined; email: string | null | undefined }
  /** The issuer said no, or its answer cannot be trusted: the session ends. `detail` is for the user, `reason` for the log. */
  | { outcome: "refused"; detail: string; reason: string }
  /** No usable answer (unreachable, too slow, 5xx, 429): the session is served and re-checked later. */
  | { outcome: "unavailable"; reason: string };

const ENDED_AT_ISSUER = "your sign-in was ended at the identity provider: sign in again";

/**
 * Uses a session's refresh token at the issuer's token endpoint, with the client authentication of
 * the code exchange. A new ID token is verified as at sign-in (issuer, audience, expiry, signature
 * through the JWKS) and must name the same `sub` (OIDC Core §12.2); otherwise the session ends.
 */
export async function refreshSignIn(
  config: Config,
  refreshToken: string,
  subject: string,
  timeoutMs = ISSUER_TIMEOUT_MS,
): Promise<Refresh> {
  const { issuer, client, secret } = clientOf(config);
  let as: oauth.AuthorizationServer;
  let response: Response;
  try {
    as = await authorizationServer(issuer);
    response = await oauth.refreshTokenGrantRequest(as, client, clientAuth(as, secret), refreshToken, requestOptions(issuer, timeoutMs));
  } catch (error) {
    const reason = error instanceof AppError ? error.detail : timedOut(error) ? "no answer in time" : "unreachable";
    return { outcome: "unavailable", reason };
  }
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    return { outcome: "unavailable", reason: `the token endpoint answered ${response.status}` };
  }
  let tokens: oauth.TokenEndpointResponse;
  try {
    tokens = await oauth.processRefreshTokenResponse(as, client, response);
    if (tokens.id_token !== undefined) await oauth.validateApplicationLevelSignature(as, response, requestOptions(issuer, timeoutMs));
  } catch (error) {
    if (timedOut(error) || unreachable(error)) return { outcome: "unavailable", reason: "the answer or the JWKS did not arrive" };
    if (error instanceof oauth.ResponseBodyError)
      return { outcome: "refused", detail: ENDED_AT_ISSUER, reason: `the token endpoint answered ${error.error.slice(0, 64)}` };
    if (error instanceof oauth.WWWAuthenticateChallengeError)
      return { outcome: "refused", detail: ENDED_AT_ISSUER, reason: "the token endpoint refused the client's authentication" };
    return {
      outcome: "refused",
      detail: "the identity provider's answer to the session's re-check could not be verified: sign in again",
      reason: "the token endpoint's answer could not be verified",
    };
  }
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  if (claims && claims.sub !== subject)
    return {
      outcome: "refused",
      detail: "the identity provider answered the session's re-check for another user: sign in again",
      reason: "the new ID token names another subject",
    };
  return {
    outcome: "renewed",
    refreshToken: typeof tokens.refresh_token === "string" ? tokens.refresh_token : undefined,
    idToken: tokens.id_token,
    email: claims ? emailOf(claims) : undefined,
  };
}

/** Where to end the issuer's session too (RP-initiated logout), when it has an end-session endpoint. */
export async function endSessionUrl(config: Config, requestUrl: string, idToken: string | undefined): Promise<string | undefined> {
  if (!config.OIDC_ISSUER) return undefined;
  const as = await authorizationServer(config.OIDC_ISSUER);
  if (!as.end_session_endpoint) return undefined;
  const url = new URL(as.end_session_endpoint);
  if (config.OIDC_CLIENT_ID) url.searchParams.set("client_id", config.OIDC_CLIENT_ID);
  if (idToken) url.searchParams.set("id_token_hint", idToken);
  url.searchParams.set("post_logout_redirect_uri", `${new URL(requestUrl).origin}/`);
  return url.href;
}

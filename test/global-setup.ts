import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { TestProject } from "vitest/node";

/**
 * A real identity provider stand-in on loopback: OIDC discovery, the OIDC JWKS and a Cloudflare
 * Access certs endpoint, with freshly generated RS256 and ES256 keys. Tests receive the private
 * keys (and one "foreign" key that is in no JWKS) and mint real JWTs with jose.
 *
 * Under `/rotating/<name>/` it also serves providers whose keys a test rotates (see
 * test/identity/rotating-idp.ts): `PUT jwks` publishes a document, `PUT mode` makes the host
 * answer `ok`, `error` (503), `reset` (connection closed) or `hang` (no answer), `GET stats` counts
 * the JWKS and discovery fetches served; `GET jwks` and `GET .well-known/openid-configuration`
 * are what the router fetches.
 */
export interface TestKeys {
  issuer: string;
  accessIssuer: string;
  rsa: JWK;
  ec: JWK;
  foreign: JWK;
  rsaPublic: JWK;
}

declare module "vitest" {
  export interface ProvidedContext {
    keys: TestKeys;
    /** The document host of test/library/upload-url.test.ts (see serveDocument). */
    documentHost: string;
  }
}

let server: Server | undefined;
let documentServer: Server | undefined;

export default async function setup(project: TestProject) {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const foreign = await generateKeyPair("RS256", { extractable: true });
  const rsaPublic = { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" };
  const ecPublic = { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" };
  const jwks = JSON.stringify({ keys: [rsaPublic, ecPublic] });

  server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
    const rotating = /^\/rotating\/([a-z0-9-]{1,64})\/(.+)$/.exec(req.url ?? "");
    if (rotating) {
      serveRotating(rotating[1] as string, rotating[2] as string, `${base}/rotating/${rotating[1]}`, req, res);
    } else if (req.url === "/.well-known/openid-configuration") {
      // Also the endpoints the web app's OIDC sign-in redirects to (test/web/oidc.test.ts; nothing answers there).
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          issuer: base,
          jwks_uri: `${base}/jwks`,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          end_session_endpoint: `${base}/session/end`,
          scopes_supported: ["openid", "email", "profile"],
          response_types_supported: ["code"],
          code_challenge_methods_supported: ["S256"],
        }),
      );
    } else if (req.url === "/token" || req.url === "/test/token" || req.url?.startsWith("/test/refresh/")) {
      serveToken(req, res);
    } else if (req.url === "/jwks" || req.url === "/access/cdn-cgi/access/certs") {
      res.writeHead(200, { "content-type": "application/json" }).end(jwks);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const keys: TestKeys = {
    issuer: `http://127.0.0.1:${port}`,
    accessIssuer: `http://127.0.0.1:${port}/access`,
    rsa: { ...(await exportJWK(rsa.privateKey)), kid: "rsa-1", alg: "RS256" },
    ec: { ...(await exportJWK(ec.privateKey)), kid: "ec-1", alg: "ES256" },
    foreign: { ...(await exportJWK(foreign.privateKey)), kid: "rsa-1", alg: "RS256" },
    rsaPublic,
  };
  project.provide("keys", keys);

  documentServer = createServer(serveDocument);
  await new Promise<void>((resolve) => documentServer?.listen(0, "127.0.0.1", resolve));
  project.provide("documentHost", `http://127.0.0.1:${(documentServer.address() as AddressInfo).port}`);
  return async () => {
    server?.closeAllConnections();
    documentServer?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await new Promise<void>((resolve) => documentServer?.close(() => resolve()));
  };
}

/**
 * The OIDC token endpoint (test/web/oidc.test.ts): `PUT /test/token` sets the next answer of
 * `POST /token` (a token response the test mints with jose; none: `invalid_grant`), and
 * `GET /test/token` tells what the last token request carried (its Authorization header and form).
 */
let nextTokenResponse: string | undefined;
let lastTokenRequest: { authorization: string | null; form: string } | null = null;

function serveToken(req: IncomingMessage, res: ServerResponse): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    const json = (status: number, text: string): void => void res.writeHead(status, { "content-type": "application/json" }).end(text);
    if (req.url === "/test/token" && req.method === "PUT") {
      nextTokenResponse = body;
      return json(200, "{}");
    }
    if (req.url === "/test/token") return json(200, JSON.stringify(lastTokenRequest));
    if (req.url?.startsWith("/test/refresh/")) return programRefresh(decodeURIComponent(req.url.slice(14)), req.method, body, res);
    const form = new URLSearchParams(body);
    if (form.get("grant_type") === "refresh_token") return serveRefresh(form.get("refresh_token") ?? "", req, body, res);
    lastTokenRequest = { authorization: req.headers.authorization ?? null, form: body };
    const answer = nextTokenResponse;
    nextTokenResponse = undefined;
    if (answer === undefined) return json(400, '{"error":"invalid_grant"}');
    json(200, answer);
  });
}

/**
 * Refresh-token grants (test/web/session-renewal.test.ts), apart from the code exchange's answer
 * above so that tests running in parallel never take each other's: `PUT /test/refresh/<token>`
 * programs how `POST /token` answers grants with that refresh token (`{status?, answer?, delayMs?,
 * mode?: "reset" | "hang"}`; nothing programmed: 400 invalid_grant), `GET /test/refresh/<token>`
 * tells how many grants with it arrived and what the last one carried.
 */
interface RefreshProgram {
  status?: number;
  answer?: unknown;
  delayMs?: number;
  mode?: "reset" | "hang";
}
const refreshPrograms = new Map<string, RefreshProgram>();
const refreshGrants = new Map<string, { grants: number; last: { authorization: string | null; form: string } }>();

function programRefresh(token: string, method: string | undefined, body: string, res: ServerResponse): void {
  const json = (status: number, text: string): void => void res.writeHead(status, { "content-type": "application/json" }).end(text);
  if (method === "PUT") {
    refreshPrograms.set(token, JSON.parse(body) as RefreshProgram);
    return json(200, "{}");
  }
  json(200, JSON.stringify(refreshGrants.get(token) ?? { grants: 0, last: null }));
}

function serveRefresh(token: string, req: IncomingMessage, body: string, res: ServerResponse): void {
  const seen = refreshGrants.get(token);
  refreshGrants.set(token, { grants: (seen?.grants ?? 0) + 1, last: { authorization: req.headers.authorization ?? null, form: body } });
  const program = refreshPrograms.get(token) ?? { status: 400, answer: { error: "invalid_grant" } };
  if (program.mode === "reset") return void req.socket.destroy();
  if (program.mode === "hang") return;
  setTimeout(
    () => res.writeHead(program.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(program.answer ?? {})),
    program.delayMs ?? 0,
  );
}

type HostMode = "ok" | "error" | "reset" | "hang";
interface RotatingProvider {
  jwks: string;
  mode: HostMode;
  fetches: number;
  discoveries: number;
}
const providers = new Map<string, RotatingProvider>();

function serveRotating(name: string, path: string, issuer: string, req: IncomingMessage, res: ServerResponse): void {
  const provider = providers.get(name) ?? { jwks: JSON.stringify({ keys: [] }), mode: "ok", fetches: 0, discoveries: 0 };
  providers.set(name, provider);
  const json = (status: number, body: string): void => void res.writeHead(status, { "content-type": "application/json" }).end(body);
  if (req.method === "PUT") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (path === "jwks") provider.jwks = body;
      else if (path === "mode" && ["ok", "error", "reset", "hang"].includes(body)) provider.mode = body as HostMode;
      else return json(400, "{}");
      json(204, "");
    });
    return;
  }
  if (path === "stats") return json(200, JSON.stringify({ fetches: provider.fetches, discoveries: provider.discoveries }));
  if (path === "jwks") provider.fetches += 1;
  else if (path === ".well-known/openid-configuration") provider.discoveries += 1;
  else return json(404, "{}");
  if (provider.mode === "error") return json(503, '{"error":"unavailable"}');
  if (provider.mode === "reset") return void req.socket.destroy();
  if (provider.mode === "hang") return;
  json(200, path === "jwks" ? provider.jwks : JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
}

/**
 * A document host on loopback for uploads by URL (test/library/upload-url.test.ts), which the tests'
 * DOCUMENT_FETCH_ALLOW_ORIGINS admits: `PUT /<name>` with `{status?, headers?, body? (base64),
 * delayMs?, dribble?: {bytes, everyMs}}` programs how `GET /<name>` answers (`dribble` sends the
 * body a few bytes at a time, forever: a slow host); `GET /<name>?hits` counts the GETs served.
 */
interface DocumentProgram {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  dribble?: { bytes: number; everyMs: number };
}
const documents = new Map<string, DocumentProgram>();
const documentHits = new Map<string, number>();

function serveDocument(req: IncomingMessage, res: ServerResponse): void {
  const [path = "", search = ""] = (req.url ?? "").split("?");
  if (req.method === "PUT") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      documents.set(path, JSON.parse(body) as DocumentProgram);
      res.writeHead(204).end();
    });
    return;
  }
  if (search === "hits") return void res.writeHead(200, { "content-type": "application/json" }).end(String(documentHits.get(path) ?? 0));
  documentHits.set(path, (documentHits.get(path) ?? 0) + 1);
  const program = documents.get(path);
  if (!program) return void res.writeHead(404).end();
  const body = Buffer.from(program.body ?? "", "base64");
  setTimeout(() => {
    if (program.dribble) {
      const { bytes, everyMs } = program.dribble;
      res.writeHead(program.status ?? 200, program.headers ?? {});
      const timer = setInterval(() => res.write(Buffer.alloc(bytes, 0x61)), everyMs);
      res.on("close", () => clearInterval(timer));
      return;
    }
    res.writeHead(program.status ?? 200, program.headers ?? {}).end(body);
  }, program.delayMs ?? 0);
}

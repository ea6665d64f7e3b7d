import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { TestProject } from "vitest/node";

/**
 * A real identity provider stand-in on loopback: OIDC discovery, the OIDC JWKS and a Cloudflare
 * Access certs endpoint, with freshly generated RS256 and ES256 keys. Tests receive the private
 * keys (and one "foreign" key that is in no JWKS) and mint real JWTs with jose.
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
  }
}

let server: Server | undefined;

export default async function setup(project: TestProject) {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const foreign = await generateKeyPair("RS256", { extractable: true });
  const rsaPublic = { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" };
  const ecPublic = { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" };
  const jwks = JSON.stringify({ keys: [rsaPublic, ecPublic] });

  server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
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
  return async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  };
}

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";

/** Headers only the router may set when it talks to the actors (partyserver's included). */
const INTERNAL_PREFIXES = ["x-partykit-", "x-fieldpilot-"];
/** Dev-auth identity headers: meaningful only when dev auth is on. */
const DEV_IDENTITY_HEADERS = ["x-user-id", "x-user-role"];

export function isInternalHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return INTERNAL_PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * Strips internal headers from every inbound request, and the dev identity headers unless dev
 * auth is on, so nothing downstream (including partyserver's routing) can be steered by them.
 */
export const stripInternalHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  const devAuth = c.get("config").devAuth;
  const drop = [...c.req.raw.headers.keys()].filter(
    (name) => isInternalHeader(name) || (!devAuth && DEV_IDENTITY_HEADERS.includes(name.toLowerCase())),
  );
  if (drop.length > 0) {
    const headers = new Headers(c.req.raw.headers);
    for (const name of drop) headers.delete(name);
    c.req.raw = new Request(c.req.raw, { headers });
  }
  await next();
};

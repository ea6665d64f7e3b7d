import { AppError } from "../../schemas/errors";

/** Credentials a browser sends by itself: reading a cookie, and the same-origin rule they obey. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A change authenticated by a cookie must name this site as its `Origin` (browsers always send it
 * on such requests), and so must a WebSocket upgrade: a socket opened by another site's page with
 * this site's cookie would act as the user (cross-site WebSocket hijacking).
 */
export function requireSameOrigin(req: { method: string; url: string; header: (name: string) => string | undefined }): void {
  const upgrade = req.header("upgrade")?.toLowerCase() === "websocket";
  if (SAFE_METHODS.has(req.method.toUpperCase()) && !upgrade) return;
  const origin = req.header("origin");
  if (origin === undefined || origin !== new URL(req.url).origin)
    throw new AppError(
      "forbidden",
      "a change signed in by cookie must come from this site (its Origin header is missing or another site's)",
    );
}

export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

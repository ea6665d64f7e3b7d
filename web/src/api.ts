import { hc, type ClientResponse } from "hono/client";
import type { ApiRoutes } from "../../src/routes";

/**
 * The one client for the API, derived from the Worker's route definitions: a route's path,
 * parameters and response types come from `ApiRoutes`, so a contract change breaks this build.
 * Requests carry the session cookie (same origin) and the tenant the user chose; errors arrive as
 * the API's problem+json and become an `ApiError` with the request id the user can quote.
 */
let tenantId: string | null = null;

/**
 * The tenant every call names with `x-tenant-id`: only an identity in several tenants needs one
 * (with one membership the API chooses it), and without the header the first screen's requests
 * are the ones index.html preloads.
 */
export function useTenant(id: string | null): void {
  tenantId = id;
}

/** The headers every call carries (for the rare request the typed client cannot make: an upload with progress). */
export const tenantHeaders = (): Record<string, string> => (tenantId ? { "x-tenant-id": tenantId } : {});

export const api = hc<ApiRoutes>("/", {
  headers: tenantHeaders,
  // `include` (same-origin here anyway) matches the preloads' `crossorigin="use-credentials"`.
  init: { credentials: "include" },
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
  /** What a person reads: the problem's explanation and the id to quote to an operator. */
  get display(): string {
    return this.requestId ? `${this.message} (request ${this.requestId})` : this.message;
  }
}

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  code?: unknown;
  requestId?: unknown;
}

/** Turns a non-2xx answer into an ApiError (never shows raw JSON). */
async function problemOf(res: Response): Promise<ApiError> {
  const requestId = res.headers.get("x-request-id");
  let body: ProblemBody = {};
  try {
    body = (await res.json()) as ProblemBody;
  } catch {
    // Not problem+json (a proxy's page, a dropped connection): the status says enough.
  }
  const text = typeof body.detail === "string" ? body.detail : typeof body.title === "string" ? body.title : `HTTP ${res.status}`;
  return new ApiError(
    res.status,
    typeof body.code === "string" ? body.code : "http_error",
    text,
    typeof body.requestId === "string" ? body.requestId : requestId,
  );
}

const sessionEndListeners = new Set<(error: ApiError) => void>();

/**
 * Called with every 401 an API call gets: the session is over (it expired, was ended at the
 * identity provider, or its cookie is gone), whatever screen made the call. Returns the unsubscribe.
 */
export function onSessionEnded(listener: (error: ApiError) => void): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

type OkBody<R> = R extends ClientResponse<infer T, infer S, "json"> ? (S extends 200 | 201 ? T : never) : never;

/** Awaits a client call and returns its 2xx JSON body, typed from the route; anything else throws ApiError. */
export async function ok<R extends ClientResponse<unknown, number, string>>(call: Promise<R>): Promise<OkBody<R>> {
  return (await tagged(call)).body;
}

/** Like `ok`, with the answer's `ETag` (what an edit sends back as `If-Match`). */
export async function tagged<R extends ClientResponse<unknown, number, string>>(
  call: Promise<R>,
): Promise<{ body: OkBody<R>; etag: string | null }> {
  let res: R;
  try {
    res = await call;
  } catch {
    throw new ApiError(0, "offline", "No connection to FieldPilot. Check the network and try again.", null);
  }
  if (!res.ok) {
    const error = await problemOf(res as unknown as Response);
    if (error.status === 401) for (const listener of sessionEndListeners) listener(error);
    throw error;
  }
  const etag = res.headers.get("etag");
  if (res.status === 204) return { body: undefined as OkBody<R>, etag };
  return { body: (await res.json()) as OkBody<R>, etag };
}

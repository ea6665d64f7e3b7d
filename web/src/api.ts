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

/** The headers every call carries (also `sendFile`'s, the one request the typed client cannot make). */
const tenantHeaders = (): Record<string, string> => (tenantId ? { "x-tenant-id": tenantId } : {});

export const api = hc<ApiRoutes>("/", {
  headers: tenantHeaders,
  // `include` (same-origin here anyway) matches the preloads' `crossorigin="use-credentials"`.
  init: { credentials: "include" },
});

/** One field a 422 names (the problem's `errors`): its path in the request and what is wrong with it. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly fields: readonly FieldProblem[] = [],
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
  errors?: unknown;
}

/** The problem's `errors`, kept only where each is a `{path, message}` of strings. */
function fieldProblems(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown) => {
    const { path, message } = (e ?? {}) as { path?: unknown; message?: unknown };
    return typeof path === "string" && typeof message === "string" ? [{ path, message }] : [];
  });
}

/** A refusal as an ApiError: the problem's explanation (never raw JSON), its code, request id and fields. */
function problemError(status: number, body: ProblemBody, requestIdHeader: string | null): ApiError {
  const text = typeof body.detail === "string" ? body.detail : typeof body.title === "string" ? body.title : `HTTP ${status}`;
  return new ApiError(
    status,
    typeof body.code === "string" ? body.code : "http_error",
    text,
    typeof body.requestId === "string" ? body.requestId : requestIdHeader,
    fieldProblems(body.errors),
  );
}

/** Turns a non-2xx answer into an ApiError. */
async function problemOf(res: Response): Promise<ApiError> {
  let body: ProblemBody = {};
  try {
    body = (await res.json()) as ProblemBody;
  } catch {
    // Not problem+json (a proxy's page, a dropped connection): the status says enough.
  }
  return problemError(res.status, body, res.headers.get("x-request-id"));
}

const OFFLINE = () => new ApiError(0, "offline", "No connection to FieldPilot. Check the network and try again.", null);

const sessionEndListeners = new Set<(error: ApiError) => void>();

/**
 * Called with every 401 an API call gets: the session is over (it expired, was ended at the
 * identity provider, or its cookie is gone), whatever screen made the call. Returns the unsubscribe.
 */
export function onSessionEnded(listener: (error: ApiError) => void): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

/** A refused call's error, told to the session listeners when it is a 401. */
function refused(error: ApiError): ApiError {
  if (error.status === 401) for (const listener of sessionEndListeners) listener(error);
  return error;
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
    throw OFFLINE();
  }
  if (!res.ok) throw refused(await problemOf(res as unknown as Response));
  const etag = res.headers.get("etag");
  if (res.status === 204) return { body: undefined as OkBody<R>, etag };
  return { body: (await res.json()) as OkBody<R>, etag };
}

/**
 * Sends a file as the raw body of `method url` (an upload the typed client cannot make: it reports
 * no progress), with the tenant header and `contentType`. Resolves with the answer's JSON (null
 * when it has none); a refusal rejects with its problem as an ApiError, like `ok`.
 */
export function sendFile(
  method: "POST" | "PUT",
  url: string,
  file: Blob,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("content-type", contentType);
    for (const [name, value] of Object.entries(tenantHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText) as unknown;
      } catch {
        // No JSON (a 204, or a proxy's page): the status says enough.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(refused(problemError(xhr.status, (body ?? {}) as ProblemBody, xhr.getResponseHeader("x-request-id"))));
    };
    xhr.onerror = () => reject(OFFLINE());
    xhr.send(file);
  });
}

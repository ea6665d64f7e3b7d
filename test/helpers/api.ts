import { exports } from "cloudflare:workers";

/** Requests go through the real router Worker (same isolate as the tests, real actors behind it). */
export const BASE = "http://fieldpilot.test";

// `exports.default` is the main Worker's default export; wrangler types does not describe it.
const worker = (exports as unknown as { default: Fetcher }).default;

const utf8 = new TextDecoder();

export interface CallOptions {
  method?: string;
  token?: string;
  tenant?: string;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  return readResponse<T>(await worker.fetch(buildRequest(path, options)));
}

/** The request `call()` sends: credentials, tenant header, JSON body. */
export function buildRequest(path: string, options: CallOptions = {}): Request {
  const headers = new Headers(options.headers ?? {});
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.tenant) headers.set("x-tenant-id", options.tenant);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`${BASE}${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body });
}

/** A response body as UTF-8 text, decoded here (see readResponse), whatever its Content-Type. */
export async function bodyText(response: Response): Promise<string> {
  return utf8.decode(await response.arrayBuffer());
}

/**
 * Reads the whole body (the pool requires it before evicting objects) and parses JSON when it is
 * JSON. The bytes are decoded here rather than with `.text()`, which workerd warns about for
 * bodies whose type is not text (NDJSON, gzip, problem+json without a charset, empty 204s).
 */
export async function readResponse<T = any>(response: Response): Promise<ApiResponse<T>> {
  const text = await bodyText(response);
  let parsed: unknown;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

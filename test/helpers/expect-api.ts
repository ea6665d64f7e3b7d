import { expect } from "vitest";
import type { ApiResponse } from "./api";
import { call } from "./api";

/** The shared assertions of every suite (problems, request ids, no internals) and small request shortcuts. */

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
}

export interface Hit {
  ref: string;
  kind: string;
  jobId: string | null;
  snippet: string;
  score: number;
}

/** Text that must never reach a caller: stack frames and internal error class names. */
export function expectNoInternals(res: ApiResponse<any>): void {
  expect(res.status).not.toBe(500);
  expect(res.text).not.toMatch(/\bat [^\n]*(?:\/|\\)[^\n]*\.(?:ts|js|mjs)\b/);
  expect(res.text).not.toContain("SqlError");
  expect(res.text).not.toMatch(/SQLITE_[A-Z]/);
}

/** Every response carries a well-formed request id. */
export function expectRequestId(res: ApiResponse<any>): string {
  const id = res.headers.get("x-request-id");
  expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  return id as string;
}

/**
 * Asserts an RFC 9457 problem with the given status and code, tied to the response's request id
 * and free of internals (a 401 also carries a Bearer challenge); returns the body for further checks.
 */
export function expectProblem(res: ApiResponse<any>, status: number, code: string): ProblemBody {
  const context = `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`;
  expect({ status: res.status, code: res.body?.code }, context).toEqual({ status, code });
  expect(res.headers.get("content-type") ?? "", context).toMatch(/^application\/problem\+json/);
  const requestId = expectRequestId(res);
  const body = res.body as ProblemBody;
  expect(body, context).toMatchObject({
    status,
    code,
    requestId,
    title: expect.any(String),
    detail: expect.any(String),
    type: expect.any(String),
  });
  expectNoInternals(res);
  if (status === 401) expect(res.headers.get("www-authenticate"), context).toMatch(/^Bearer /);
  return body;
}

export function expectUnauthenticated(res: ApiResponse<any>): void {
  expectProblem(res, 401, "unauthenticated");
}

/** A 422 whose `errors` name `path` (exactly, as `jobs[0].status`). */
export function expectValidationAt(res: ApiResponse<any>, path: string): void {
  expectProblem(res, 422, "validation_failed");
  expect(Array.isArray(res.body.errors)).toBe(true);
  expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
}

/** Asserts a 200 with a JSON body; returns the body. */
export function expectOk<T>(res: ApiResponse<T>, status = 200): T {
  expect(res.status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`).toBe(status);
  return res.body;
}

/** GET /v1/search, asserting a 200 JSON array. */
export async function search(token: string, q: string, extra: { jobId?: string; limit?: number; tenant?: string } = {}): Promise<Hit[]> {
  const params = new URLSearchParams({ q });
  if (extra.jobId !== undefined) params.set("jobId", extra.jobId);
  if (extra.limit !== undefined) params.set("limit", String(extra.limit));
  const res = await call<Hit[]>(`/v1/search?${params.toString()}`, { token, tenant: extra.tenant });
  expect(res.status, `search ${JSON.stringify(q).slice(0, 200)} -> ${res.status}: ${res.text.slice(0, 500)}`).toBe(200);
  expect(Array.isArray(res.body), `search ${JSON.stringify(q).slice(0, 200)} did not return an array`).toBe(true);
  return res.body;
}

export const refsOf = (hits: Hit[]): string[] => hits.map((h) => h.ref);

/** Every job id of GET /v1/jobs, following cursors. */
export async function listAllJobIds(token: string, query = "", tenant?: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const params = new URLSearchParams(query);
    params.set("limit", "200");
    if (cursor !== null) params.set("cursor", cursor);
    const res = await call<{ jobs: { id: string }[]; nextCursor: string | null }>(`/v1/jobs?${params.toString()}`, { token, tenant });
    expect(res.status, `GET /v1/jobs?${params.toString()} -> ${res.status}: ${res.text.slice(0, 300)}`).toBe(200);
    ids.push(...res.body.jobs.map((j) => j.id));
    cursor = res.body.nextCursor;
    if (cursor === null) return ids;
  }
  throw new Error("pagination did not end");
}

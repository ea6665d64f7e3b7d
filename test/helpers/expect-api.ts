import { expect } from "vitest";
import type { ApiResponse } from "./api";
import { call } from "./api";

/** Shared assertions and small request shortcuts for the data-behaviour suites. */

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

/** Asserts an RFC 9457 problem with the given status and code; returns the body for further checks. */
export function expectProblem(res: ApiResponse, status: number, code: string): ProblemBody {
  const context = `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`;
  expect(res.status, context).toBe(status);
  expect(res.headers.get("content-type") ?? "", context).toContain("application/problem+json");
  const body = res.body as ProblemBody;
  expect(body, context).toMatchObject({ status, code });
  expect(typeof body.title, context).toBe("string");
  expect(typeof body.detail, context).toBe("string");
  expect(typeof body.type, context).toBe("string");
  expect(typeof body.requestId, context).toBe("string");
  return body;
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

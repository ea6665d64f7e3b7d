import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { buildRequest, readResponse, type ApiResponse, type CallOptions } from "./api";

/**
 * Helpers for edge tests: calls through the router built with another configuration, and the
 * assertions every error response must satisfy (problem+json, request id, no internals).
 */

/** String vars of the environment (bindings such as TENANT cannot be overridden this way). */
export type EnvOverrides = { [K in keyof Env as Env[K] extends string ? K : never]?: string };

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

/** Sends a ready-made request through a router whose environment differs from the test env by `overrides`. */
export async function fetchWithEnv<T = any>(overrides: EnvOverrides, request: Request): Promise<ApiResponse<T>> {
  const response = await createApp().fetch(request, { ...env, ...overrides }, ctx);
  return readResponse<T>(response);
}

/** Like `call()` from api.ts, but through a router built with a modified environment. */
export async function callWithEnv<T = any>(overrides: EnvOverrides, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  return fetchWithEnv<T>(overrides, buildRequest(path, options));
}

/**
 * A real deployment gives the router and the tenant objects the same vars. The test pool gives
 * the objects the test env only, so tests of another configuration (dev auth on) set the same
 * vars on that one tenant's object too. Tenants are unique per test, so nothing else sees it.
 */
export async function setTenantObjectEnv(tenantId: string, overrides: EnvOverrides): Promise<void> {
  const stub = env.TENANT.get(env.TENANT.idFromName(tenantId));
  await runInDurableObject(stub, (instance) => {
    const holder = instance as unknown as { env: Env };
    holder.env = { ...holder.env, ...overrides };
  });
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

/** An RFC 9457 problem with the given status and code, tied to the response's request id. */
export function expectProblem(res: ApiResponse<any>, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }, res.text.slice(0, 500)).toEqual({ status, code });
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const requestId = expectRequestId(res);
  expect(res.body).toMatchObject({ status, code, requestId, title: expect.any(String), detail: expect.any(String) });
  expect(res.body.type).toEqual(expect.any(String));
  expectNoInternals(res);
  if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
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

import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { createApp } from "../../src/app";
import { buildRequest, readResponse, type ApiResponse, type CallOptions } from "./api";

/**
 * Helpers for edge tests: calls through the router built with another configuration, and the same
 * vars on a tenant object. The assertions every error response must satisfy are in expect-api.ts.
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

import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectProblem } from "../helpers/expect-api";
import { apiOperations, fillPath, type HttpMethod } from "../helpers/routes";
import { tenantWithCast } from "../helpers/world";

/**
 * A known path asked with a method it does not have: 405, `Allow` listing the methods the OpenAPI
 * document gives that path, problem+json like every error. Checked for every path of the document
 * (a new route is covered without touching this file), with and without credentials: which
 * methods a path has is public. Unknown paths stay 404.
 */
const METHODS: HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Path → its methods in the document, and a concrete URL for it. */
function documentPaths(): { template: string; url: string; methods: HttpMethod[] }[] {
  const byPath = new Map<string, HttpMethod[]>();
  for (const op of apiOperations()) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op.method]);
  byPath.set("/v1/openapi.json", ["GET"]);
  return [...byPath].map(([template, methods]) => ({
    template,
    url: fillPath(template, Object.fromEntries([...template.matchAll(/\{([^}]+)\}/g)].map((m) => [m[1] as string, "x-1"]))),
    methods,
  }));
}

const allowOf = (methods: HttpMethod[]) => METHODS.filter((m) => methods.includes(m)).join(", ");

describe("a known path with the wrong method", () => {
  it("answers 405 with Allow for every path of the OpenAPI document and every method it lacks", async () => {
    const cast = await tenantWithCast("m405");
    const paths = documentPaths();
    expect(paths.length).toBeGreaterThan(25);
    let checked = 0;
    for (const { template, url, methods } of paths) {
      for (const method of METHODS.filter((m) => !methods.includes(m))) {
        for (const token of [undefined, cast.admin]) {
          const res = await call(url, { method, token, ...(method === "GET" || method === "DELETE" ? {} : { body: {} }) });
          const what = `${method} ${template} (${token ? "admin" : "no credentials"})`;
          expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(405);
          const problem = expectProblem(res, 405, "method_not_allowed");
          expect(res.headers.get("allow"), what).toBe(allowOf(methods));
          expect(problem.title).toBe("Method not allowed");
          expect(problem.detail).toContain(allowOf(methods));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("gives DELETE /v1/jobs 405 with Allow: GET, and leaves the jobs alone", async () => {
    const cast = await tenantWithCast("m405jobs");
    const res = await call("/v1/jobs", { method: "DELETE", token: cast.admin });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET");
    expect((await call("/v1/jobs", { token: cast.admin })).status).toBe(200);
  });

  it("answers HEAD wherever GET is allowed, never 405", async () => {
    for (const path of ["/healthz", "/v1/openapi.json"]) {
      const res = await call(path, { method: "HEAD" });
      expect(res.status, path).toBe(200);
    }
  });
});

describe("an unknown path", () => {
  it("stays 404 for every method, without Allow", async () => {
    for (const path of ["/no-such-route", "/v1/jobs/J1/nothing-here", "/v1/adminx"]) {
      for (const method of METHODS) {
        const res = await call(path, { method, ...(method === "GET" || method === "DELETE" ? {} : { body: {} }) });
        // Unknown /v1 paths meet authentication first (401); the rest are 404. Neither is a 405.
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(res.headers.get("allow")).toBeNull();
      }
    }
    for (const method of METHODS) expectProblem(await call("/no-such-route", { method }), 404, "not_found");
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { call, type ApiResponse } from "../helpers/api";
import { tenantWithCast } from "../helpers/world";

/**
 * The request log names the route pattern that answered, for public routes too (they are matched
 * before the later middleware), never a raw path with ids in it; unknown paths are "(unmatched)".
 */
interface LogLine {
  msg: string;
  requestId: string;
  method: string;
  route: string;
  status: number;
  tenantId: string | null;
  userId: string | null;
}

afterEach(() => {
  vi.restoreAllMocks();
});

function logLineOf(spy: { mock: { calls: unknown[][] } }, res: ApiResponse): LogLine {
  const id = res.headers.get("x-request-id");
  const lines = spy.mock.calls
    .map((args) => {
      try {
        return JSON.parse(String(args[0])) as LogLine;
      } catch {
        return null;
      }
    })
    .filter((l): l is LogLine => l !== null && l.msg === "request" && l.requestId === id);
  expect(lines, `one request log line for ${id}`).toHaveLength(1);
  return lines[0] as LogLine;
}

describe("the request log", () => {
  it("names the route pattern of public and member routes, and (unmatched) for unknown paths", async () => {
    const cast = await tenantWithCast("logroute");
    const spy = vi.spyOn(console, "log");
    const cases: [ApiResponse, string, number][] = [
      [await call("/healthz"), "/healthz", 200],
      [await call("/readyz"), "/readyz", 200],
      [await call("/v1/openapi.json"), "/v1/openapi.json", 200],
      [await call("/v1/jobs/J-404", { token: cast.dispatcher }), "/v1/jobs/:id", 404],
      [await call("/v1/jobs/J-404/context", { token: cast.technician }), "/v1/jobs/:id/context", 404],
      [await call("/v1/jobs"), "/v1/jobs", 401],
      [await call("/no-such-route"), "(unmatched)", 404],
      [await call("/v1/jobs", { method: "DELETE", token: cast.admin }), "(unmatched)", 405],
    ];
    for (const [res, route, status] of cases) {
      const line = logLineOf(spy, res);
      expect({ route: line.route, status: line.status }).toEqual({ route, status });
    }
  });
});

import { describe, expect, it } from "vitest";
import { BASE, call, type ApiResponse } from "../helpers/api";
import { fetchWithEnv, type EnvOverrides } from "../helpers/edge";
import { expectNoInternals, expectProblem, expectRequestId, expectValidationAt } from "../helpers/expect-api";
import { basicData, ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/**
 * The HTTP edge: request ids, system routes, the OpenAPI document, and bad input of every kind
 * answered with a clear 4xx problem that changes nothing.
 */

async function expectNoJobs(cast: Cast): Promise<void> {
  const list = await call("/v1/jobs", { token: cast.dispatcher });
  expect(list.status, list.text).toBe(200);
  expect(list.body.jobs).toEqual([]);
}

/** A valid ingest body: one client and one job, the job's description padded to about `bytes`. */
function ingestBodyOfSize(bytes: number): string {
  const body = {
    clients: [{ id: "C1", name: "Harbor Bakery" }],
    jobs: [{ id: "J1", clientId: "C1", title: "Cooler", status: "scheduled", description: "d".repeat(bytes) }],
  };
  return JSON.stringify(body);
}

function chunkedStream(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

describe("request ids", () => {
  it("are on every response, success and error alike", async () => {
    const cast = await tenantWithCast("rid");
    const responses: ApiResponse<any>[] = [
      await call("/healthz"),
      await call("/readyz"),
      await call("/v1/openapi.json"),
      await call("/no-such-route"),
      await call("/v1/jobs"),
      await call("/v1/jobs", { token: cast.dispatcher }),
      await call("/v1/jobs/J404", { token: cast.dispatcher }),
      await call("/v1/ingest", { token: cast.dispatcher, rawBody: "{", headers: { "content-type": "application/json" } }),
    ];
    const ids = responses.map((r) => expectRequestId(r));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("echo a valid inbound id of up to 128 characters of [A-Za-z0-9._:-]", async () => {
    const cast = await tenantWithCast("ridok");
    for (const inbound of ["abc-123", "Trace.ID:42_x-y", "a".repeat(128), "0"]) {
      const ok = await call("/healthz", { headers: { "x-request-id": inbound } });
      expect(ok.headers.get("x-request-id")).toBe(inbound);
      const error = await call("/v1/jobs/J404", { token: cast.dispatcher, headers: { "x-request-id": inbound } });
      expectProblem(error, 404, "not_found");
      expect(error.headers.get("x-request-id")).toBe(inbound);
      expect(error.body.requestId).toBe(inbound);
    }
  });

  it("replace an invalid inbound id with a fresh one", async () => {
    const invalid = ["a".repeat(129), "has space", "caf\u00e9", "a/b", "<script>", "id;drop", "x\ty", ""];
    const seen = new Set<string>();
    for (const inbound of invalid) {
      const res = await call("/v1/no-such-thing", { headers: { "x-request-id": inbound } });
      const id = expectRequestId(res);
      expect(id).not.toBe(inbound);
      expect(id.length).toBeGreaterThan(0);
      expect(res.body.requestId).toBe(id);
      seen.add(id);
    }
    expect(seen.size).toBe(invalid.length);
  });

  it("are the same in the problem body and the header", async () => {
    const cast = await tenantWithCast("ridbody");
    const problems = [
      await call("/nope"),
      await call("/v1/jobs"),
      await call("/v1/jobs?limit=0", { token: cast.dispatcher }),
      await call("/v1/ingest", { token: cast.dispatcher, rawBody: "not json", headers: { "content-type": "application/json" } }),
    ];
    for (const res of problems) {
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
      expectNoInternals(res);
    }
  });
});

describe("system routes and the OpenAPI document", () => {
  it("answers 404 problems for unknown routes", async () => {
    const cast = await tenantWithCast("nf");
    expectProblem(await call("/no-such-route"), 404, "not_found");
    expectProblem(await call("/v1/no-such-route", { token: cast.dispatcher }), 404, "not_found");
    expectProblem(await call("/v1/jobs/J1/nope", { token: cast.dispatcher }), 404, "not_found");
  });

  it("serves liveness and readiness", async () => {
    const health = await call("/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    const ready = await call("/readyz");
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", checks: { config: "ok", directory: "ok" } });
  });

  it("serves an OpenAPI 3.1 document without authentication", async () => {
    const doc = await call("/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toMatch(/^application\/json/);
    expect(doc.body.openapi).toMatch(/^3\.1\./);
    expect(doc.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/v1/ingest", "/v1/jobs/{id}/context", "/v1/search", "/v1/platform/tenants", "/v1/me", "/v1/jobs"]),
    );
    expect(doc.body.paths["/v1/ingest"].post).toBeDefined();
    expect(doc.body.paths["/v1/platform/tenants"].get).toBeDefined();
    expect(doc.body.paths["/v1/platform/tenants"].post).toBeDefined();
  });

  it("documents ETag, If-Match, If-None-Match, 304 and 412 on every resource a client can change", async () => {
    const doc = (await call("/v1/openapi.json")).body;
    type Operation = {
      operationId?: string;
      parameters?: { name: string; in: string }[];
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const op = (path: string, method: string) => doc.paths[path]?.[method] as Operation;
    const headersOf = (o: Operation) => (o.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name);
    const reads = [
      ["/v1/jobs/{id}", "get"],
      ["/v1/admin/members/{userId}", "get"],
      ["/v1/admin/settings", "get"],
      ["/v1/admin/provider-keys/{provider}", "get"],
    ];
    const writes = [
      ["/v1/jobs/{id}", "patch", "200"],
      ["/v1/admin/members/{userId}", "patch", "200"],
      ["/v1/admin/members/{userId}", "delete", null],
      ["/v1/admin/settings", "put", "200"],
      ["/v1/admin/provider-keys/{provider}", "put", "200"],
      ["/v1/admin/provider-keys/{provider}", "put", "201"],
      ["/v1/admin/provider-keys/{provider}", "delete", null],
    ];
    for (const [path, method] of reads) {
      const o = op(path as string, method as string);
      expect(headersOf(o), `${method} ${path}`).toEqual(expect.arrayContaining(["if-none-match", "if-match"]));
      expect(Object.keys(o.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["200", "304", "412"]));
      expect(Object.keys(o.responses["200"]?.headers ?? {})).toContain("ETag");
      expect(Object.keys(o.responses["304"]?.headers ?? {})).toContain("ETag");
    }
    for (const [path, method, ok] of writes) {
      const o = op(path as string, method as string);
      expect(headersOf(o), `${method} ${path}`).toContain("if-match");
      expect(Object.keys(o.responses), `${method} ${path}`).toContain("412");
      expect(Object.keys(o.responses)).not.toContain("304");
      if (ok) expect(Object.keys(o.responses[ok]?.headers ?? {}), `${method} ${path} ${ok}`).toContain("ETag");
    }
    expect(op("/v1/admin/members/{userId}", "get").operationId).toBe("getMember");
    expect(op("/v1/admin/provider-keys/{provider}", "get").operationId).toBe("getProviderKey");
    // The JobPatch schema offers the assignee operations.
    expect(Object.keys(doc.components.schemas.JobPatch.properties)).toEqual(
      expect.arrayContaining(["assignees", "assigneesAdd", "assigneesRemove"]),
    );
  });
});

describe("POST /v1/ingest with bad input", () => {
  const json = { "content-type": "application/json" };

  it("refuses malformed JSON with 400 invalid_json and writes nothing", async () => {
    const cast = await tenantWithCast("ingjson");
    for (const raw of ["{", '{"jobs": [}', "{'a': 1}", "nul", '{"clients": [{"id": "C1", "name": "x"}]'])
      expectProblem(await call("/v1/ingest", { token: cast.dispatcher, rawBody: raw, headers: json }), 400, "invalid_json");
    await expectNoJobs(cast);
  });

  it("refuses wrong types with 422 naming each path and writes nothing", async () => {
    const cast = await tenantWithCast("ingtype");
    const base = basicData(cast);
    const wrongStatus = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { ...base, jobs: [base.jobs?.[0], { ...base.jobs?.[1], status: 5 }] },
    });
    expectValidationAt(wrongStatus, "jobs[1].status");

    const wrongKinds = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { clients: [{ id: 7, name: "x" }], jobs: "J1", notes: [{ id: "N1", body: ["a"], jobId: "J1" }] },
    });
    expectValidationAt(wrongKinds, "clients[0].id");
    expectValidationAt(wrongKinds, "jobs");
    expectValidationAt(wrongKinds, "notes[0].body");

    for (const body of [[], "text", 42, null]) {
      const res = await call("/v1/ingest", { token: cast.dispatcher, body });
      expectProblem(res, 422, "validation_failed");
    }
    await expectNoJobs(cast);
  });

  it("refuses unknown fields at the top level and in records with 422", async () => {
    const cast = await tenantWithCast("ingunk");
    const base = basicData(cast);
    const topLevel = await call("/v1/ingest", { token: cast.dispatcher, body: { ...base, technicians: [] } });
    expectProblem(topLevel, 422, "validation_failed");
    expect(topLevel.body.errors).toContainEqual({ path: "technicians", message: "is not a known field" });

    const inRecord = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { ...base, jobs: [{ ...base.jobs?.[0], tenantId: "someone-else" }] },
    });
    expectProblem(inRecord, 422, "validation_failed");
    // Each unknown field is named by its own path.
    expect(inRecord.body.errors).toContainEqual({ path: "jobs[0].tenantId", message: "is not a known field" });
    await expectNoJobs(cast);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const cast = await tenantWithCast("ing415");
    const body = JSON.stringify(basicData(cast));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"]) {
      expectProblem(
        await call("/v1/ingest", { token: cast.dispatcher, rawBody: body, headers: { "content-type": type } }),
        415,
        "unsupported_media_type",
      );
    }
    expectProblem(await call("/v1/ingest", { token: cast.dispatcher, rawBody: body }), 415, "unsupported_media_type");
    await expectNoJobs(cast);
  });

  it("refuses a body over MAX_BODY_BYTES with 413, with or without Content-Length", async () => {
    const cast = await tenantWithCast("ing413");
    const small: EnvOverrides = { MAX_BODY_BYTES: "2048" };
    const bytes = new TextEncoder().encode(ingestBodyOfSize(4096));
    expect(bytes.length).toBeGreaterThan(4096);
    const headers = { authorization: `Bearer ${cast.dispatcher}`, "content-type": "application/json" };

    const withLength = await fetchWithEnv(
      small,
      new Request(`${BASE}/v1/ingest`, { method: "POST", headers: { ...headers, "content-length": String(bytes.length) }, body: bytes }),
    );
    expectProblem(withLength, 413, "payload_too_large");

    const request = new Request(`${BASE}/v1/ingest`, { method: "POST", headers, body: chunkedStream(bytes, 512) });
    expect(request.headers.get("content-length")).toBeNull();
    const chunked = await fetchWithEnv(small, request);
    expectProblem(chunked, 413, "payload_too_large");

    // The same body under the limit is accepted, so the 413 above was about size alone.
    const fits = await fetchWithEnv(
      { MAX_BODY_BYTES: "8192" },
      new Request(`${BASE}/v1/ingest`, { method: "POST", headers, body: chunkedStream(bytes, 512) }),
    );
    expect(fits.status, fits.text).toBe(200);
    const jobs = await call("/v1/jobs", { token: cast.dispatcher });
    expect(jobs.body.jobs.map((j: { id: string }) => j.id)).toEqual(["J1"]);
  });

  it("writes nothing when a body is over MAX_BODY_BYTES", async () => {
    const cast = await tenantWithCast("ing413b");
    const bytes = new TextEncoder().encode(ingestBodyOfSize(4096));
    const headers = { authorization: `Bearer ${cast.dispatcher}`, "content-type": "application/json" };
    for (const body of [bytes, chunkedStream(bytes, 700)]) {
      const res = await fetchWithEnv({ MAX_BODY_BYTES: "2048" }, new Request(`${BASE}/v1/ingest`, { method: "POST", headers, body }));
      expectProblem(res, 413, "payload_too_large");
    }
    await expectNoJobs(cast);
  });

  it("counts the bytes that arrive instead of trusting a Content-Length that understates them", async () => {
    const cast = await tenantWithCast("ing413lie");
    const bytes = new TextEncoder().encode(ingestBodyOfSize(4096));
    const headers = {
      authorization: `Bearer ${cast.dispatcher}`,
      "content-type": "application/json",
      "content-length": "100",
    };
    const lying = await fetchWithEnv(
      { MAX_BODY_BYTES: "2048" },
      new Request(`${BASE}/v1/ingest`, { method: "POST", headers, body: chunkedStream(bytes, 512) }),
    );
    expectProblem(lying, 413, "payload_too_large");
    await expectNoJobs(cast);
  });

  it("refuses a body over the default 5 MiB limit with 413", async () => {
    const cast = await tenantWithCast("ing5m");
    const res = await call("/v1/ingest", { token: cast.dispatcher, rawBody: ingestBodyOfSize(5 * 1024 * 1024 + 1), headers: json });
    expectProblem(res, 413, "payload_too_large");
    await expectNoJobs(cast);
  });

  it.each([
    ["a path traversal", "../etc"],
    ["a space", "a b"],
    ["markup", "<script>"],
    ["200 characters", "j".repeat(200)],
    ["an empty string", ""],
    ["a slash", "J/1"],
    ["a percent-encoding", "J%2F1"],
    ["a non-ASCII letter", "J\u00e9"],
    ["a NUL byte", "J\u0000"],
  ])("refuses a record id with %s with 422 naming the path", async (_name, hostile) => {
    const cast = await tenantWithCast("ingid");
    const base = basicData(cast);
    const asJob = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { ...base, jobs: [base.jobs?.[0], { ...base.jobs?.[1], id: hostile }] },
    });
    expectValidationAt(asJob, "jobs[1].id");
    const asClient = await call("/v1/ingest", { token: cast.dispatcher, body: { ...base, clients: [{ id: hostile, name: "x" }] } });
    expectValidationAt(asClient, "clients[0].id");
    const asReference = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { ...base, notes: [{ id: "N9", body: "hello", jobId: hostile }] },
    });
    expectValidationAt(asReference, "notes[0].jobId");
    await expectNoJobs(cast);
  });
});

describe("PATCH /v1/jobs/:id with bad input", () => {
  it("refuses an empty patch, unknown fields and wrong types with 422, and leaves the job as it was", async () => {
    const cast = await tenantWithCast("patch");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const before = await call("/v1/jobs/J1", { token: cast.dispatcher });
    expect(before.status).toBe(200);

    const patch = (body: unknown) => call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body });
    expectProblem(await patch({}), 422, "validation_failed");
    const unknown = await patch({ status: "completed", tenantId: "other" });
    expectProblem(unknown, 422, "validation_failed");
    expect(JSON.stringify(unknown.body.errors)).toContain("tenantId");
    expectValidationAt(await patch({ status: "done" }), "status");
    expectValidationAt(await patch({ title: 42 }), "title");
    expectValidationAt(await patch({ assignees: ["ok", "not ok"] }), "assignees[1]");
    expectProblem(await patch([]), 422, "validation_failed");
    expectProblem(
      await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, rawBody: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );

    const after = await call("/v1/jobs/J1", { token: cast.dispatcher });
    expect(after.body).toEqual(before.body);
  });

  it("answers 404 for a path id that cannot be an id", async () => {
    const cast = await tenantWithCast("patchid");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    for (const id of ["%3Cscript%3E", "a%20b", "..%2Fetc", "x".repeat(200), "%00"]) {
      expectProblem(await call(`/v1/jobs/${id}`, { token: cast.dispatcher }), 404, "not_found");
      expectProblem(
        await call(`/v1/jobs/${id}`, { method: "PATCH", token: cast.dispatcher, body: { status: "completed" } }),
        404,
        "not_found",
      );
      expectProblem(await call(`/v1/jobs/${id}/context`, { token: cast.dispatcher }), 404, "not_found");
    }
  });
});

describe("query strings", () => {
  it("refuses bad /v1/jobs parameters with 422 naming the parameter", async () => {
    const cast = await tenantWithCast("qs");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const jobs = (query: string) => call(`/v1/jobs?${query}`, { token: cast.dispatcher });
    expectValidationAt(await jobs("limit=0"), "limit");
    expectValidationAt(await jobs("limit=abc"), "limit");
    expectValidationAt(await jobs("limit=100000"), "limit");
    expectValidationAt(await jobs("limit=1.5"), "limit");
    expectValidationAt(await jobs("limit=-1"), "limit");
    expectValidationAt(await jobs("status=bogus"), "status");
    expectValidationAt(await jobs("cursor=abc"), "cursor");
    expectValidationAt(await jobs("scheduledFrom=yesterday"), "scheduledFrom");
    const unknown = await jobs("tenant=other");
    expectProblem(unknown, 422, "validation_failed");
    expect(JSON.stringify(unknown.body.errors)).toContain("tenant");
    // The valid forms work, so the refusals above are about the values.
    expect((await jobs("limit=1&status=scheduled")).status).toBe(200);
  });

  it("refuses a search without q or with q over 5000 characters", async () => {
    const cast = await tenantWithCast("qsearch");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    expectValidationAt(await call("/v1/search", { token: cast.dispatcher }), "q");
    expectValidationAt(await call("/v1/search?q=", { token: cast.dispatcher }), "q");
    expectValidationAt(await call(`/v1/search?q=${"a".repeat(5001)}`, { token: cast.dispatcher }), "q");
    expectValidationAt(await call("/v1/search?q=cooler&limit=0", { token: cast.dispatcher }), "limit");
    expectValidationAt(await call("/v1/search?q=cooler&jobId=%3Cx%3E", { token: cast.dispatcher }), "jobId");
    expectProblem(await call("/v1/search?q=cooler&bogus=1", { token: cast.dispatcher }), 422, "validation_failed");
    const longest = await call(`/v1/search?q=${"a".repeat(5000)}`, { token: cast.dispatcher });
    expect(longest.status, longest.text).toBe(200);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { env, exports } from "cloudflare:workers";
import { createApp } from "../../src/app";
import { BASE, call } from "../helpers/api";
import { loadDemoTenant } from "../helpers/demo";
import { apiOperations } from "../helpers/routes";
import { addMember, createTenant, operatorToken, uniqueId } from "../helpers/world";
import { Document, exampleOf, MissingExample, type DocOperation, type Json } from "./document";
import { variantsOf, type RequestSpec } from "./variants";

/**
 * The contract test: every operation of the app's OpenAPI document gets one valid request and
 * dozens of invalid or hostile variants, as a caller allowed to use it, in a world made for the
 * test (a copy of the demo tenant's records under a new tenant id, never a demo tenant). Every
 * answer must be a status the document lists for that operation, with a body that validates
 * against the documented schema of that status and media type, and never a 5xx.
 *
 * Valid requests come from the document itself (examples, defaults, enums) plus WORLD_VALUES, the
 * ids that exist only in the test's world. A new route is covered without touching this file; a
 * route the test cannot build a valid request for fails with a message saying what is missing.
 */

const worker = (exports as unknown as { default: Fetcher }).default;
const DEV_ON = { ALLOW_DEV_AUTH: "1", ENVIRONMENT: "development" };
const CTX = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

interface World {
  /** The tenant holding the demo records (the admin's, selected with x-tenant-id). */
  tenantId: string;
  admin: string;
  adminSubject: string;
  operator: string;
  /** An empty tenant the same admin belongs to: where an import can go. */
  emptyTenantId: string;
  /** The platform operations' tenant: suspended, resumed, restored and finally deleted. */
  platformTenantId: string;
  threadId: string;
  taskId: string;
  /** A member the member operations change and remove. */
  victim: string;
  exportNdjson: string;
  /**
   * A shared-library document (read, given a new version, and finally deleted by the library
   * operations), and a tenant document of the same id in the world's tenant (the same for the
   * tenant's document operations: `docId` has one value).
   */
  libraryDocId: string;
}

/**
 * Values the document cannot know: ids that exist only in the test's world. Looked up by
 * `<operation> <parameter>`, then by parameter name, before the parameter's own example.
 */
const WORLD_VALUES = (w: World): Record<string, string> => ({
  "GET /v1/copilot/threads/{id} id": w.threadId,
  "GET /v1/admin/tasks/{id} id": w.taskId,
  tenantId: w.platformTenantId,
  userId: w.victim,
  docId: w.libraryDocId,
  "x-tenant-id": w.tenantId,
});

interface Special {
  /** Changes to the valid request built from the document. */
  adjust?: (spec: RequestSpec, w: World) => void;
  /**
   * Changes to every request (the valid one and each variant) just before it is sent, for an
   * operation that can succeed only once per resource.
   */
  beforeEach?: (spec: RequestSpec, w: World) => Promise<void>;
  /** The valid request's expected status, when it is not a 2xx (with the reason); a 5xx is then allowed for every variant. */
  expect?: { status: number; why: string };
}

/** A new empty tenant with the world's admin as its admin. */
async function emptyTenantOfAdmin(w: Pick<World, "adminSubject">): Promise<string> {
  const id = await createTenant("contract-empty");
  await addMember(id, w.adminSubject, "admin");
  return id;
}

/** What some operations need beyond the document, each with its reason. */
const SPECIAL: Record<string, Special> = {
  // The example's id is fixed; the test needs a fresh one.
  "POST /v1/platform/tenants": { adjust: (s) => (s.json = { ...s.json, id: uniqueId("contract-new") }) },
  // Restore points must fall in the last 30 days, and workerd has no point-in-time recovery.
  "POST /v1/platform/tenants/{tenantId}/restore": {
    adjust: (s) => (s.json = { at: new Date(Date.now() - 3_600_000).toISOString() }),
    expect: { status: 503, why: "point-in-time recovery is not available on local workerd" },
  },
  // The example's limits are the production defaults: they would throttle the rest of the sweep.
  "PUT /v1/admin/settings": { adjust: (s) => (s.json = { ...s.json, rateLimits: undefined }) },
  // An import goes into an empty tenant (a new one for each request: a variant may well import), and its body is an export.
  "POST /v1/admin/import": {
    adjust: (s, w) => {
      s.headers["x-tenant-id"] = w.emptyTenantId;
      s.raw = w.exportNdjson;
      delete s.json;
    },
    beforeEach: async (s, w) => {
      if (s.headers["x-tenant-id"] === w.emptyTenantId) s.headers["x-tenant-id"] = await emptyTenantOfAdmin(w);
    },
  },
  // Sign-in changes must name this site as their Origin, as browsers do (dev sign-in is sent
  // through a router with dev auth on: see send()).
  "POST /auth/dev/session": { adjust: (s) => (s.headers.origin = BASE) },
  "POST /auth/logout": { adjust: (s) => (s.headers.origin = BASE) },
  // OIDC sign-in needs a client id and secret, which the test env does not set (test/web/oidc.test.ts
  // runs the configured flow against the loopback issuer): here every answer must still be documented.
  "GET /auth/login": { expect: { status: 404, why: "OIDC sign-in is not configured in the test env (no OIDC_CLIENT_ID/SECRET)" } },
  "GET /auth/callback": { expect: { status: 404, why: "OIDC sign-in is not configured in the test env (no OIDC_CLIENT_ID/SECRET)" } },
  // The socket: an upgrade request, answered 101.
  "GET /v1/realtime": {
    adjust: (s) => (s.headers.upgrade = "websocket"),
    expect: { status: 101, why: "a WebSocket upgrade" },
  },
};

const OPERATIONS = apiOperations();
/** Variants in flight at once (the valid request goes alone, first). */
const CONCURRENCY = 4;
/** Operations that remove what others need run last. */
const ORDER = [...OPERATIONS].sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

let document: Document;
let world: World;

beforeAll(async () => {
  const served = await call("/v1/openapi.json");
  expect(served.status).toBe(200);
  document = new Document(served.body);

  const { cast } = await loadDemoTenant("acme-hvac");
  const admin = cast.admin;
  const tenant = { token: admin, tenant: cast.tenantId };
  const ask = await call("/v1/copilot/ask", { ...tenant, body: { question: "What happened to the RTU-2 contactor?" } });
  const reindex = await call("/v1/admin/reindex", { ...tenant, method: "POST" });
  const exported = await call("/v1/admin/export?encoding=identity", tenant);
  // A stored key, so reading one (GET …/provider-keys/{provider}) has something to answer with.
  const key = await call("/v1/admin/provider-keys/openai", { ...tenant, method: "PUT", body: { key: "sk-contract-test-key-0000000000" } });
  expect([ask.status, reindex.status, exported.status, key.status], `${ask.text} ${reindex.text} ${key.text}`).toEqual([
    200, 202, 200, 201,
  ]);
  const victim = uniqueId("contract-victim");
  await addMember(cast.tenantId, victim, "technician");
  const partial = { tenantId: cast.tenantId, admin, adminSubject: cast.subjects.admin, operator: await operatorToken() };
  const libraryDocId = uniqueId("contract-doc");
  const doc = await call("/v1/platform/library/documents", {
    token: partial.operator,
    body: { id: libraryDocId, title: "Contract manual", format: "markdown", text: "# Contract\n\nA chunk to read." },
  });
  expect(doc.status, doc.text).toBe(201);
  const tenantDoc = await call("/v1/admin/documents", {
    ...tenant,
    body: { id: libraryDocId, title: "Contract procedure", format: "markdown", text: "# Contract\n\nA tenant chunk to read." },
  });
  expect(tenantDoc.status, tenantDoc.text).toBe(201);
  world = {
    ...partial,
    emptyTenantId: await emptyTenantOfAdmin(partial),
    platformTenantId: await createTenant("contract-platform"),
    threadId: ask.body.threadId,
    taskId: reindex.body.id,
    victim,
    exportNdjson: exported.text,
    libraryDocId,
  };
}, 60_000);

/** The valid request for an operation, from the document, WORLD_VALUES and SPECIAL. */
function validRequest(op: DocOperation): RequestSpec {
  const values = WORLD_VALUES(world);
  const missing: string[] = [];
  const valueOf = (location: string, name: string, schema: Json): string | undefined => {
    const known = values[`${op.key} ${name}`] ?? values[name];
    if (known !== undefined) return known;
    try {
      return String(exampleOf(document, schema, `${location} ${name}`));
    } catch (error) {
      if (error instanceof MissingExample) missing.push(error.message);
      else throw error;
      return undefined;
    }
  };
  const spec: RequestSpec = { params: {}, query: [], headers: {} };
  for (const p of op.parameters) {
    if (p.in === "path") spec.params[p.name] = valueOf("path", p.name, p.schema) ?? "";
    if (p.in === "query" && p.required) spec.query.push([p.name, valueOf("query", p.name, p.schema) ?? ""]);
    if (p.in === "header" && (p.required || values[p.name] !== undefined)) spec.headers[p.name] = valueOf("header", p.name, p.schema) ?? "";
  }
  if (op.body) {
    const [mediaType, schema] = Object.entries<Json>(op.body.content)[0] ?? [];
    spec.contentType = mediaType;
    if (mediaType === "application/json") {
      try {
        spec.json = exampleOf(document, schema, "body");
      } catch (error) {
        if (error instanceof MissingExample) missing.push(error.message);
        else throw error;
      }
    }
  }
  SPECIAL[op.key]?.adjust?.(spec, world);
  if (op.body && spec.json === undefined && spec.raw === undefined) missing.push(`body (${spec.contentType}) has no example`);
  if (missing.length > 0) {
    throw new Error(
      `cannot build a valid request for ${op.key}: ${missing.join("; ")}. Give the schema an example (schemas/…) ` +
        "or, for an id that exists only in the test's world, add it to WORLD_VALUES in test/contract/contract.test.ts",
    );
  }
  return spec;
}

function credentialsFor(op: DocOperation): Record<string, string> {
  if (op.security.length === 0) return {};
  return { authorization: `Bearer ${op.path.startsWith("/v1/platform/") ? world.operator : world.admin}` };
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(op: DocOperation, spec: RequestSpec): Promise<Answer> {
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => spec.rawParams?.[name] ?? encodeURIComponent(spec.params[name] ?? ""));
  const query = new URLSearchParams(spec.query).toString();
  const search = [query, spec.rawQuery ?? ""].filter((q) => q !== "").join("&");
  const headers = new Headers(spec.anonymous ? {} : credentialsFor(op));
  for (const [name, value] of Object.entries(spec.headers)) headers.set(name, value);
  let body: BodyInit | undefined;
  if (spec.json !== undefined) body = JSON.stringify(spec.json);
  else if (spec.raw !== undefined) body = spec.raw;
  if (body !== undefined && spec.contentType !== undefined) headers.set("content-type", spec.contentType);
  const request = new Request(`${BASE}${path}${search ? `?${search}` : ""}`, { method: op.method, headers, body });
  // Dev sign-in exists only where dev auth is allowed, which the test environment is not.
  const response = op.path.startsWith("/auth/dev/")
    ? await createApp().fetch(request, { ...env, ...DEV_ON }, CTX)
    : await worker.fetch(request);
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close(1000, "contract test");
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text: await response.text() };
}

/** What is wrong with an answer, measured against the document (empty: nothing). */
function contractProblems(op: DocOperation, answer: Answer, expectedStatus?: number): string[] {
  const documented = op.responses[String(answer.status)];
  if (!documented)
    return [
      `answered ${answer.status}, which is not documented (documented: ${Object.keys(op.responses).join(", ")}): ${answer.text.slice(0, 300)}`,
    ];
  if (answer.status >= 500 && answer.status !== expectedStatus) return [`answered ${answer.status}: ${answer.text.slice(0, 300)}`];
  const types = Object.keys(documented);
  if (types.length === 0) return answer.text === "" ? [] : [`answered ${answer.status} with a body, documented without one`];
  const mediaType = answer.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const schema = documented[mediaType];
  if (schema === undefined)
    return [`answered ${answer.status} as ${answer.contentType || "(no content type)"}, documented as ${types.join(", ")}`];
  if (mediaType === "application/x-ndjson") {
    const lines = answer.text.split("\n").filter((l) => l !== "");
    const bad = lines.findIndex((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    return lines.length > 0 && bad === -1 ? [] : [`answered NDJSON with ${lines.length} lines, line ${bad + 1} is not JSON`];
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [`answered ${answer.status} ${mediaType} that is not JSON: ${answer.text.slice(0, 200)}`];
  }
  const errors = document.validate(schema, body);
  return errors.length === 0
    ? []
    : [`answered ${answer.status} with a body the schema refuses: ${errors.join("; ")}: ${answer.text.slice(0, 300)}`];
}

describe("the OpenAPI contract", () => {
  it("lists the same operations as the app's route registry, each with an operationId", () => {
    expect(document.operations.map((o) => o.key).sort()).toEqual(OPERATIONS.map((o) => o.key).sort());
    expect(document.operations.filter((o) => !o.operationId).map((o) => o.key)).toEqual([]);
  });

  for (const { key } of ORDER) {
    it(`${key}: one valid request and its invalid variants get documented answers`, async () => {
      const op = document.operation(key);
      const special = SPECIAL[key];
      const valid = validRequest(op);
      const failures: string[] = [];
      const wanted = special?.expect?.status;
      const sendAs = async (spec: RequestSpec) => {
        // A shallow copy: the headers are what beforeEach changes (a deep copy of a 5,000-deep body overflows the stack).
        const ready = { ...spec, headers: { ...spec.headers } };
        await special?.beforeEach?.(ready, world);
        return send(op, ready);
      };
      const answer = await sendAs(valid);
      const ok = wanted !== undefined ? answer.status === wanted : answer.status >= 200 && answer.status < 300;
      if (!ok) failures.push(`valid request: answered ${answer.status}, expected ${wanted ?? "a 2xx"}: ${answer.text.slice(0, 300)}`);
      failures.push(...contractProblems(op, answer, wanted).map((p) => `valid request: ${p}`));
      // A few variants at a time: each waits on its tenant object, so overlapping them saves wall time.
      const variants = variantsOf(document, op, valid);
      for (let i = 0; i < variants.length; i += CONCURRENCY) {
        await Promise.all(
          variants.slice(i, i + CONCURRENCY).map(async (variant) => {
            const answer = await sendAs(variant.spec);
            failures.push(...contractProblems(op, answer, wanted).map((p) => `${variant.label}: ${p}`));
          }),
        );
      }
      expect(failures, `${key}: ${failures.length} answers break the contract`).toEqual([]);
    });
  }
});

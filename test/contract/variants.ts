import type { Document, DocOperation, Json } from "./document";

/**
 * Invalid (and hostile, but sometimes valid) variants of one valid request, derived from the
 * operation as the document states it: credentials, tenant header, each path parameter, each query
 * parameter, the body's media type, syntax, shape, each property (missing, wrong type, null,
 * hostile text, long, deeply nested), unknown fields, and a body over the size limit. Whatever a
 * variant is, its answer must be one the document lists.
 */

export interface RequestSpec {
  /** Path parameter values, unencoded (`raw` ones are put into the URL as they are). */
  params: Record<string, string>;
  rawParams?: Record<string, string>;
  /** The query string, as pairs (a name may repeat); `rawQuery` is appended unencoded. */
  query: [string, string][];
  rawQuery?: string;
  headers: Record<string, string>;
  /** No body: `undefined`; a JSON value: `json`; anything else: `raw` bytes or text. */
  json?: Json;
  raw?: string | Uint8Array;
  contentType?: string;
  /** Send the request without the caller's credentials. */
  anonymous?: boolean;
}

export interface Variant {
  label: string;
  spec: RequestSpec;
}

/** Strings that must be harmless anywhere: SQL and FTS5 syntax, traversal, markup, control and odd unicode. */
export const HOSTILE_TEXT: string[] = [
  "",
  " ",
  "Jöb-ünïcødé-✓-🚀-\u202e-\u200b",
  "../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "J-3034\u0000",
  "%00",
  "' OR '1'='1' --",
  '"; DROP TABLE jobs; --',
  '"contactor" OR NEAR(a b) * col:x ^y',
  "<script>alert(1)</script>",
  "${jndi:ldap://127.0.0.1/x}",
  "\ud800",
];

/** Header values must be ByteStrings: hostile ASCII only. */
const HOSTILE_HEADER = ["", "x".repeat(5_000), "../../etc/passwd", "' OR '1'='1", "%00", "example-tenant", "UPPER-CASE", "-lead"];

/** A URL cannot carry a lone surrogate (encodeURIComponent throws): paths and queries get the rest. */
const URL_SAFE_TEXT = HOSTILE_TEXT.filter((v) => v !== "" && v.isWellFormed());

/** Path parameter values: hostile text, very long, and ids that look right but exist nowhere. */
const HOSTILE_IDS = [...URL_SAFE_TEXT, "J".repeat(10_000), "does-not-exist-404", "9".repeat(400), "a/b"];

const LONG = "x".repeat(100_000);

/** A value of `depth` nested arrays. */
function nested(depth: number): Json {
  let value: Json = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A value of the wrong JSON type for a schema. */
function wrongTypes(schema: Json): Json[] {
  const type = Array.isArray(schema?.type) ? schema.type.find((t: string) => t !== "null") : schema?.type;
  switch (type) {
    case "string":
      return [12345, ["a"], { a: 1 }];
    case "integer":
    case "number":
      return ["12", 1.5, -1, 1e308, { n: 1 }];
    case "boolean":
      return ["true", 1];
    case "array":
      return ["a", { 0: "a" }, [null]];
    case "object":
      return ["a", [], 7];
    default:
      return [12345, "a", []];
  }
}

/** Query values of the wrong kind, hostile, and long. */
function queryValues(schema: Json): string[] {
  const type = Array.isArray(schema?.type) ? schema.type.find((t: string) => t !== "null") : schema?.type;
  const numeric = type === "integer" || type === "number" ? ["abc", "1.5", "-1", "0", "1e309", "9007199254740993", "0x10"] : [];
  return [...numeric, "", "x".repeat(6_000), ...URL_SAFE_TEXT];
}

const clone = (spec: RequestSpec): RequestSpec => structuredClone(spec);

/** Every variant of `valid` for `op`. */
export function variantsOf(document: Document, op: DocOperation, valid: RequestSpec): Variant[] {
  const out: Variant[] = [];
  const add = (label: string, change: (spec: RequestSpec) => void) => {
    const spec = clone(valid);
    change(spec);
    out.push({ label, spec });
  };

  // Credentials.
  if (op.security.length > 0) {
    add("no credentials", (s) => (s.anonymous = true));
    add("a bearer token that is not a JWT", (s) => {
      s.anonymous = true;
      s.headers.authorization = "Bearer not.a.jwt";
    });
    add("Basic credentials", (s) => {
      s.anonymous = true;
      s.headers.authorization = "Basic YWxpY2U6c2VjcmV0";
    });
  }

  // The tenant selector.
  if (op.parameters.some((p) => p.in === "header" && p.name === "x-tenant-id")) {
    for (const value of HOSTILE_HEADER) add(`x-tenant-id ${JSON.stringify(value.slice(0, 40))}`, (s) => (s.headers["x-tenant-id"] = value));
    add("no x-tenant-id", (s) => delete s.headers["x-tenant-id"]);
  }

  // Conditional requests (RFC 9110 §13): whatever a route does with them, a 412 or a 304 must be documented.
  if (["PATCH", "PUT", "DELETE"].includes(op.method)) {
    for (const value of ['"stale-etag"', 'W/"weak"', "not-quoted", "*"]) add(`If-Match ${value}`, (s) => (s.headers["if-match"] = value));
  }
  if (op.method === "GET") {
    for (const value of ["*", '"stale-etag"']) add(`If-None-Match ${value}`, (s) => (s.headers["if-none-match"] = value));
  }

  // Path parameters.
  for (const p of op.parameters.filter((p) => p.in === "path")) {
    for (const value of HOSTILE_IDS) add(`path ${p.name}=${JSON.stringify(value.slice(0, 40))}`, (s) => (s.params[p.name] = value));
    add(`path ${p.name} raw %00`, (s) => (s.rawParams = { ...s.rawParams, [p.name]: "%00" }));
    add(`path ${p.name} raw %2e%2e%2f`, (s) => (s.rawParams = { ...s.rawParams, [p.name]: "%2e%2e%2fx" }));
  }

  // Query parameters.
  for (const p of op.parameters.filter((p) => p.in === "query")) {
    for (const value of queryValues(document.resolve(p.schema)))
      add(`query ${p.name}=${JSON.stringify(value.slice(0, 40))}`, (s) => {
        s.query = [...s.query.filter(([n]) => n !== p.name), [p.name, value]];
      });
    add(`query ${p.name} twice`, (s) => s.query.push([p.name, "a"], [p.name, "b"]));
    if (p.required) add(`query ${p.name} missing`, (s) => (s.query = s.query.filter(([n]) => n !== p.name)));
  }
  add("unknown query parameter", (s) => s.query.push(["zz_unknown", "1"]));
  add("raw %00 in the query", (s) => (s.rawQuery = "zz=%00&%00=1"));

  if (!op.body && ["POST", "PUT", "PATCH"].includes(op.method)) {
    add("a JSON body it does not take", (s) => {
      s.json = { zz_unknown: 1 };
      s.contentType = "application/json";
    });
    add("a body over MAX_BODY_BYTES it does not take", (s) => {
      s.raw = "x".repeat(6 * 1024 * 1024);
      s.contentType = "text/plain";
    });
  }
  if (op.body) {
    const [mediaType] = Object.keys(op.body.content);
    const bytes = (text: string) => new TextEncoder().encode(text);
    const validText = valid.json !== undefined ? JSON.stringify(valid.json) : typeof valid.raw === "string" ? valid.raw : "";
    add("no body and no content type", (s) => {
      delete s.json;
      delete s.raw;
      delete s.contentType;
    });
    add("an empty body", (s) => {
      delete s.json;
      s.raw = "";
    });
    for (const type of [
      "text/plain",
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json-patch+json",
    ])
      if (type !== mediaType)
        add(`content type ${type}`, (s) => {
          delete s.json;
          s.raw = validText;
          s.contentType = type;
        });
    add("the body without a content type", (s) => {
      delete s.json;
      delete s.contentType;
      s.raw = bytes(validText);
    });
    add("a body over MAX_BODY_BYTES", (s) => {
      delete s.json;
      s.raw = `{"a":"${"x".repeat(6 * 1024 * 1024)}"}`;
    });

    if (mediaType === "application/x-ndjson" && typeof valid.raw === "string") {
      const lines = valid.raw.split("\n").filter((l) => l !== "");
      const ndjson: [string, string][] = [
        ["lines that are not JSON", "not json\n{also not\n"],
        ["one JSON object, not lines", JSON.stringify({ type: "header" })],
        ["the lines cut in half", `${lines.slice(0, Math.ceil(lines.length / 2)).join("\n")}\n`],
        ["the last line replaced", `${[...lines.slice(0, -1), '{"type":"footer","counts":{},"digest":"0"}'].join("\n")}\n`],
        ["a record line changed", `${lines.map((l, i) => (i === 1 ? l.replace(/"[^"]*"}$/, '"changed"}') : l)).join("\n")}\n`],
      ];
      for (const [label, text] of ndjson) add(label, (s) => (s.raw = text));
      add("Content-Encoding gzip on a plain body", (s) => (s.headers["content-encoding"] = "gzip"));
      add("Content-Encoding br", (s) => (s.headers["content-encoding"] = "br"));
    }
    if (mediaType === "application/json") {
      for (const text of ['{"a":', "{'a': 1}", "{} trailing", "nul", '{"a":1,"a":2', "\ufeff{}"])
        add(`malformed JSON ${JSON.stringify(text)}`, (s) => {
          delete s.json;
          s.raw = text;
        });
      for (const value of [[], "text", 42, null, true, {}]) add(`the body ${JSON.stringify(value)}`, (s) => (s.json = value));
      add("JSON with a charset", (s) => (s.contentType = "application/json; charset=utf-8"));
      add("an unknown field", (s) => (s.json = { ...valid.json, zz_unknown: 1 }));
      add("a __proto__ field", (s) => {
        delete s.json;
        s.raw = `{"__proto__":{"admin":true},${validText.slice(1)}`;
      });
      add("an unknown field nested 100,000 deep", (s) => {
        delete s.json;
        s.raw = `{"zz":${"[".repeat(100_000)}${"]".repeat(100_000)},${validText.slice(1)}`;
      });
      const schema = document.resolve(op.body.content[mediaType]);
      if (schema?.type === "object" && valid.json && typeof valid.json === "object") {
        for (const [name, property] of Object.entries<Json>(schema.properties ?? {}))
          propertyVariants(document, add, [name], property, valid.json);
      }
    }
  }
  return out;
}

type Add = (label: string, change: (spec: RequestSpec) => void) => void;

/** Variants of one property (and of the properties of its first item or its object), at most two levels down. */
function propertyVariants(document: Document, add: Add, path: (string | number)[], schema: Json, body: Json): void {
  const resolved = document.resolve(schema) ?? {};
  const label = path.join(".");
  const set =
    (value: Json, remove = false) =>
    (s: RequestSpec) => {
      let target = s.json;
      for (const part of path.slice(0, -1)) target = target?.[part];
      if (target === undefined || target === null || typeof target !== "object") return;
      const last = path[path.length - 1] as string | number;
      if (remove) delete target[last];
      else target[last] = value;
    };
  const present = path.reduce<Json>((v, part) => (v === undefined || v === null ? undefined : v[part]), body) !== undefined;
  if (present) add(`${label} missing`, set(undefined, true));
  for (const value of wrongTypes(resolved)) add(`${label} = ${JSON.stringify(value).slice(0, 40)}`, set(value));
  add(`${label} = null`, set(null));
  add(`${label} nested 5,000 deep`, set(nested(5_000)));
  const type = Array.isArray(resolved.type) ? resolved.type.find((t: string) => t !== "null") : resolved.type;
  if (type === "string") {
    add(`${label} 100,000 characters`, set(LONG));
    for (const text of HOSTILE_TEXT) add(`${label} = ${JSON.stringify(text).slice(0, 40)}`, set(text));
  }
  if (path.length >= 3 || !present) return;
  if (type === "array") {
    const item = document.resolve(resolved.items);
    for (const [name, property] of Object.entries<Json>(item?.properties ?? {}))
      propertyVariants(document, add, [...path, 0, name], property, body);
  } else if (type === "object") {
    for (const [name, property] of Object.entries<Json>(resolved.properties ?? {}))
      propertyVariants(document, add, [...path, name], property, body);
  }
}

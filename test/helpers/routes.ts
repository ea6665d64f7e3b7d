import { createApp } from "../../src/app";

/**
 * The app's operations as its OpenAPI document states them, so a suite can cover every route
 * (and be told about new ones) instead of keeping its own list. `/v1/openapi.json` itself is served
 * next to the registry (doc31), not from it, so it is not an operation of the document.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export interface Operation {
  /** `GET /v1/jobs/{id}`: the method and the path template, as the document writes them. */
  key: string;
  method: HttpMethod;
  path: string;
  /** The operation's security requirements (empty: public). */
  security: Record<string, string[]>[];
  /** Path parameter names, in the order they appear in the path. */
  pathParams: string[];
  /** Query parameter names, and which of them are required. */
  queryParams: string[];
  requiredQueryParams: string[];
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
}

export const operationKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

/** Path parameter names of a template (`/v1/jobs/{id}/context` → `["id"]`). */
export function templateParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

/** Every operation of the app's OpenAPI 3.1 document. */
export function apiOperations(): Operation[] {
  const doc = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "routes", version: "1" } });
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as { security?: Record<string, string[]>[]; parameters?: unknown[] } | undefined;
      if (!op) continue;
      const parameters = [
        ...(((item as { parameters?: unknown[] }).parameters ?? []) as ParameterObject[]),
        ...((op.parameters ?? []) as ParameterObject[]),
      ].filter((p): p is ParameterObject => typeof p === "object" && p !== null && "name" in p && "in" in p);
      const declaredPath = parameters.filter((p) => p.in === "path").map((p) => p.name);
      const pathParams = templateParams(path);
      // A template and its declared parameters must agree, or the fill below would be wrong.
      if ([...declaredPath].sort().join() !== [...pathParams].sort().join()) {
        throw new Error(`${operationKey(method, path)}: path parameters [${declaredPath.join()}] do not match the template`);
      }
      const query = parameters.filter((p) => p.in === "query");
      out.push({
        key: operationKey(method, path),
        method: method.toUpperCase() as HttpMethod,
        path,
        security: op.security ?? doc.security ?? [],
        pathParams,
        queryParams: query.map((p) => p.name),
        requiredQueryParams: query.filter((p) => p.required === true).map((p) => p.name),
      });
    }
  }
  return out;
}

/** The path with each `{name}` replaced by its (URI-encoded) value. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });
}

/** Every combination of the given values per name (`{a: [1, 2], b: [3]}` → `[{a: 1, b: 3}, {a: 2, b: 3}]`). */
export function combinations(values: Record<string, string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, list] of Object.entries(values)) out = out.flatMap((partial) => list.map((v) => ({ ...partial, [name]: v })));
  return out;
}

import { Validator, type Schema } from "@cfworker/json-schema";

/**
 * The contract test's view of the OpenAPI document: operations with their parameters, body and
 * responses; JSON Schema 2020-12 validators for response bodies; and values built from the
 * schemas' own examples, defaults and enums. Validation uses @cfworker/json-schema, which
 * interprets schemas instead of compiling them to code (workerd forbids eval and new Function,
 * which ajv's compilation needs).
 */

export type Json = any;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: Json;
}

export interface DocOperation {
  key: string;
  method: string;
  path: string;
  operationId: string | undefined;
  security: Record<string, string[]>[];
  parameters: Parameter[];
  /** The request body's media types and schemas (none: the operation takes no body). */
  body: { required: boolean; content: Record<string, Json> } | undefined;
  /** Documented statuses → media type → schema (an empty map: the status has no body). */
  responses: Record<string, Record<string, Json>>;
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
const COMPONENT_REF = "#/components/schemas/";

export class Document {
  readonly operations: DocOperation[] = [];
  private readonly components: Record<string, Json>;
  private readonly validators = new Map<string, Validator>();

  constructor(readonly doc: Json) {
    this.components = doc.components?.schemas ?? {};
    for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const parameters: Parameter[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          schema: p.schema ?? {},
        }));
        const responses: Record<string, Record<string, Json>> = {};
        for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
          responses[status] = Object.fromEntries(
            Object.entries<Json>(response.content ?? {}).map(([type, media]) => [type, media.schema ?? {}]),
          );
        }
        const body = op.requestBody
          ? {
              required: op.requestBody.required === true,
              content: Object.fromEntries(
                Object.entries<Json>(op.requestBody.content ?? {}).map(([type, media]) => [type, media.schema ?? {}]),
              ),
            }
          : undefined;
        this.operations.push({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          operationId: op.operationId,
          security: op.security ?? doc.security ?? [],
          parameters,
          body,
          responses,
        });
      }
    }
  }

  operation(key: string): DocOperation {
    const op = this.operations.find((o) => o.key === key);
    if (!op) throw new Error(`the served document has no operation ${key}`);
    return op;
  }

  /** A schema with its top-level `$ref` followed (component references only, as zod-openapi writes them). */
  resolve(schema: Json): Json {
    let current = schema;
    for (let i = 0; i < 20 && typeof current?.$ref === "string"; i++) {
      const ref: string = current.$ref;
      if (!ref.startsWith(COMPONENT_REF)) throw new Error(`unsupported $ref ${ref}`);
      current = this.components[ref.slice(COMPONENT_REF.length)];
      if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
    }
    return current;
  }

  /** Errors of `value` against `schema` (empty: valid), with every component available as `$defs`. */
  validate(schema: Json, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let validator = this.validators.get(key);
    if (!validator) {
      const root = { $schema: "https://json-schema.org/draft/2020-12/schema", $defs: toDefs(this.components), ...toDefs(schema) } as Schema;
      validator = new Validator(root, "2020-12", false);
      this.validators.set(key, validator);
    }
    const result = validator.validate(value);
    return result.valid ? [] : result.errors.map((e) => `${e.instanceLocation} ${e.error}`).slice(0, 8);
  }
}

/** The same schema with `#/components/schemas/X` references pointing at `#/$defs/X`. */
function toDefs(value: Json): Json {
  return JSON.parse(JSON.stringify(value), (key, v) =>
    key === "$ref" && typeof v === "string" && v.startsWith(COMPONENT_REF) ? `#/$defs/${v.slice(COMPONENT_REF.length)}` : v,
  );
}

export class MissingExample extends Error {}

/**
 * A valid value for `schema`, from what the document states: the schema's `example`, `default`,
 * `const` or first `enum` value; objects from their required properties (and the first `oneOf`
 * branch's), arrays from one item, date-times from the clock. A leaf with nothing to go on throws
 * MissingExample naming its path: the schema needs an example.
 */
export function exampleOf(document: Document, schema: Json, path: string): Json {
  const s = document.resolve(schema);
  if (s === undefined || s === true) return {};
  if ("example" in s) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if ("default" in s) return s.default;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum.find((v: unknown) => v !== null);
  const branches: Json[] = s.anyOf ?? (s.oneOf && !s.properties ? s.oneOf : undefined);
  if (branches) {
    const first = branches.find((b) => document.resolve(b)?.type !== "null");
    return exampleOf(document, first, path);
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((part: Json) => exampleOf(document, part, path)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const required = new Set<string>([...(s.required ?? []), ...(s.oneOf?.[0]?.required ?? [])]);
      const out: Record<string, Json> = {};
      for (const name of required) out[name] = exampleOf(document, s.properties?.[name] ?? {}, `${path}.${name}`);
      return out;
    }
    case "array":
      return (s.minItems ?? 0) > 0 ? [exampleOf(document, s.items ?? {}, `${path}[0]`)] : [];
    case "string":
      if (s.format === "date-time") return new Date().toISOString();
      throw new MissingExample(`${path} (a string${s.pattern ? ` matching ${s.pattern}` : ""}) has no example, default or enum`);
    case "integer":
    case "number":
      return s.minimum ?? 1;
    case "boolean":
      return true;
    default:
      throw new MissingExample(`${path} has no type, example or default`);
  }
}

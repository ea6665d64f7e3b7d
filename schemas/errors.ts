import { z } from "@hono/zod-openapi";

/**
 * The one error family of FieldPilot, shared by the router, the actors and the tests: a closed
 * set of codes, each with exactly one HTTP status and one problem title, one error class
 * (`AppError`) and one plain-data shape (`AppErrorData`) that crosses every boundary: RPC
 * results, WebSocket upgrade refusals and socket `error` frames are all made from it. Callers
 * switch on `code`, never on text.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_a_member: 403,
  tenant_suspended: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  tenant_exists: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  unknown_reference: 422,
  rate_limited: 429,
  internal: 500,
  tenant_unavailable: 503,
  not_ready: 503,
  // The realtime channel's own refusals. They travel only in socket `error` frames; the status
  // is what the same refusal would be over HTTP.
  bad_message: 400,
  too_large: 413,
  unknown_id: 404,
  duplicate_id: 409,
  cancelled: 409,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const ErrorCode = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

/** The `title` of each code's problem+json (RFC 9457): the same text for every occurrence of a code. */
export const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  invalid_json: "Malformed JSON",
  unauthenticated: "Unauthenticated",
  forbidden: "Forbidden",
  not_a_member: "Not a member of this tenant",
  tenant_suspended: "Tenant suspended",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  idempotency_conflict: "Idempotency key reused with a different body",
  tenant_exists: "Tenant already exists",
  precondition_failed: "Precondition failed",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  validation_failed: "Validation failed",
  unknown_reference: "Unknown reference",
  rate_limited: "Too many requests",
  internal: "Internal server error",
  tenant_unavailable: "Tenant temporarily unavailable",
  not_ready: "Not ready",
  bad_message: "Malformed message",
  too_large: "Message too large",
  unknown_id: "Unknown answer id",
  duplicate_id: "Answer id in use",
  cancelled: "Cancelled",
};

export const FieldError = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldError>;

/** An AppError as plain data: what RPC keeps of it (RPC keeps only an Error's message) and what an upgrade refusal carries. */
export const AppErrorData = z.object({
  code: ErrorCode,
  detail: z.string().max(2_000),
  errors: z.array(FieldError).max(50).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});
export type AppErrorData = z.infer<typeof AppErrorData>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, detail: string, options: { errors?: FieldError[]; retryAfterSeconds?: number } = {}) {
    super(`${code}: ${detail}`);
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.detail = detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toData(): AppErrorData {
    const out: AppErrorData = { code: this.code, detail: this.detail };
    if (this.errors) out.errors = this.errors;
    if (this.retryAfterSeconds !== undefined) out.retryAfterSeconds = this.retryAfterSeconds;
    return out;
  }

  static fromData(data: AppErrorData): AppError {
    const options: { errors?: FieldError[]; retryAfterSeconds?: number } = {};
    if (data.errors) options.errors = data.errors;
    if (data.retryAfterSeconds !== undefined) options.retryAfterSeconds = data.retryAfterSeconds;
    return new AppError(data.code, data.detail, options);
  }
}

/** What every zod failure offers: its issues. */
export interface ZodIssues {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: ReadonlyArray<string> }>;
}

/**
 * The one formatter of zod issues: `[{path, message}]` with paths like `notes[3].jobId`, one entry
 * per unknown field, at most 50. `root` names the whole value (`(root)` for a body, `(line)` for
 * an import line, `(message)` for a socket frame).
 */
export function fieldErrors(error: ZodIssues, root = "(root)"): FieldError[] {
  return error.issues
    .flatMap((issue) =>
      issue.code === "unrecognized_keys" && issue.keys
        ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key], root), message: "is not a known field" }))
        : [{ path: formatPath(issue.path, root), message: issue.message }],
    )
    .slice(0, 50);
}

export function formatPath(path: ReadonlyArray<PropertyKey>, root = "(root)"): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? root : out;
}

/** A value parsed with `schema`, or a 422 naming every path: boundary input is never trusted, whoever sent it. */
export function parseOr422<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: ZodIssues } },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("validation_failed", "the request does not match the schema", { errors: fieldErrors(result.error) });
  }
  return result.data;
}

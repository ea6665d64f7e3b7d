import { ERROR_STATUS, type ErrorCode, type FieldError, type RpcError } from "../../schemas/rpc";

/**
 * The one error class of FieldPilot, used by the router and the actors alike. It crosses the
 * actor boundary as plain data (`toRpc`/`fromRpc`), because RPC keeps only an Error's message.
 */
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

  toRpc(): RpcError {
    const out: RpcError = { code: this.code, detail: this.detail };
    if (this.errors) out.errors = this.errors;
    if (this.retryAfterSeconds !== undefined) out.retryAfterSeconds = this.retryAfterSeconds;
    return out;
  }

  static fromRpc(error: RpcError): AppError {
    const options: { errors?: FieldError[]; retryAfterSeconds?: number } = {};
    if (error.errors) options.errors = error.errors;
    if (error.retryAfterSeconds !== undefined) options.retryAfterSeconds = error.retryAfterSeconds;
    return new AppError(error.code, error.detail, options);
  }
}

export const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  invalid_json: "Malformed JSON",
  unauthenticated: "Unauthenticated",
  forbidden: "Forbidden",
  not_a_member: "Not a member of this tenant",
  tenant_suspended: "Tenant suspended",
  not_found: "Not found",
  conflict: "Conflict",
  idempotency_conflict: "Idempotency key reused with a different body",
  tenant_exists: "Tenant already exists",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  validation_failed: "Validation failed",
  unknown_reference: "Unknown reference",
  rate_limited: "Too many requests",
  internal: "Internal server error",
  tenant_unavailable: "Tenant temporarily unavailable",
  not_ready: "Not ready",
};

/** zod issues → our `errors: [{path, message}]`, with paths like `notes[3].jobId`. */
export function fieldErrors(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: ReadonlyArray<string> }>,
): FieldError[] {
  return issues
    .flatMap((issue) =>
      // One entry per unknown field, each with its own path, rather than one for the object.
      issue.code === "unrecognized_keys" && issue.keys
        ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: "is not a known field" }))
        : [{ path: formatPath(issue.path), message: issue.message }],
    )
    .slice(0, 50);
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

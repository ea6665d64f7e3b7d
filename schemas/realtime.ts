import { z } from "@hono/zod-openapi";
import { JobBrief } from "./brief";
import { RecordId, Region, Role, TenantId } from "./common";
import { CopilotAsk, CopilotAnswer } from "./copilot";
import { ErrorCode } from "./errors";
import { DevRole } from "./identity";

/**
 * The realtime channel's contract: the ticket that opens a socket, the frames a client may send
 * and the frames the server sends. Every inbound frame is parsed with these schemas.
 */

/** Lifetime of a ticket (product contract: single use, at most 60 s). */
export const TICKET_TTL_SECONDS = 60;
/** Largest inbound frame, in bytes (UTF-8). Bigger frames get `too_large` and the socket stays open. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const RealtimeTicket = z
  .object({
    ticket: z.string().openapi({ example: "acme-hvac.us.3q2-7wE…" }),
    expiresAt: z.string().openapi({ example: "2026-11-02T08:31:00.000Z" }),
  })
  .openapi("RealtimeTicket");
export type RealtimeTicket = z.infer<typeof RealtimeTicket>;

/** The secret part: 32 random bytes, base64url without padding. */
export const TICKET_SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * `${tenantId}.${region}.${secret}`: the router learns which object to address from the ticket
 * itself, without state; only the tenant object can tell whether the secret is real (it keeps
 * its SHA-256). Tenant ids contain no dots, so the split is unambiguous.
 */
export function formatTicket(tenantId: string, region: Region, secret: string): string {
  return `${tenantId}.${region}.${secret}`;
}

export function parseTicket(ticket: string): { tenantId: string; region: Region; secret: string } | null {
  if (ticket.length > 200) return null;
  const parts = ticket.split(".");
  if (parts.length !== 3) return null;
  const [tenantId, region, secret] = parts as [string, string, string];
  const t = TenantId.safeParse(tenantId);
  const r = Region.safeParse(region);
  if (!t.success || !r.success || !TICKET_SECRET.test(secret)) return null;
  return { tenantId: t.data, region: r.data, secret };
}

export const RealtimeQuery = z.object({
  ticket: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: "A ticket from POST /v1/realtime/ticket; without it, the request's own credentials are used" }),
});

/** Client-chosen id of one answer on the socket (used by cancel and resume). */
export const MessageId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");

export const AskMessage = CopilotAsk.extend({ type: z.literal("ask"), id: MessageId });
export const CancelMessage = z.strictObject({ type: z.literal("cancel"), id: MessageId });
export const ResumeMessage = z.strictObject({
  type: z.literal("resume"),
  id: MessageId,
  /** How many deltas of this answer the client already has. */
  after: z.number().int().min(0).max(1_000_000),
});

/** A job's pre-arrival brief, streamed like an answer (deltas, then one `brief` frame); cancel and resume work the same. */
export const BriefMessage = z.strictObject({ type: z.literal("brief"), id: MessageId, jobId: RecordId });

export const ClientMessage = z.discriminatedUnion("type", [AskMessage, BriefMessage, CancelMessage, ResumeMessage]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/**
 * Codes of `error` frames: the API's error codes a socket can meet (an ask fails exactly like its
 * REST twin) and the channel's own; a subset of the one error family, so a frame is made from an
 * AppError (anything outside the subset travels as `internal`).
 */
export const RealtimeErrorCode = ErrorCode.extract([
  "bad_message",
  "too_large",
  "rate_limited",
  "cancelled",
  "unknown_id",
  "duplicate_id",
  "not_found",
  "forbidden",
  "not_a_member",
  "tenant_suspended",
  "validation_failed",
  "internal",
  "tenant_unavailable",
]);
export type RealtimeErrorCode = z.infer<typeof RealtimeErrorCode>;

export const DeltaFrame = z.object({ type: z.literal("delta"), id: MessageId, text: z.string() });
export const AnswerFrame = CopilotAnswer.extend({ type: z.literal("answer"), id: MessageId });
export const BriefFrame = JobBrief.extend({ type: z.literal("brief"), id: MessageId });
export const ErrorFrame = z.object({ type: z.literal("error"), id: MessageId.optional(), code: RealtimeErrorCode, message: z.string() });
export const PresenceFrame = z.object({ type: z.literal("presence"), online: z.array(z.string()) });
export const JobUpdatedFrame = z.object({ type: z.literal("job.updated"), jobId: z.string() });

export const ServerMessage = z.discriminatedUnion("type", [
  DeltaFrame,
  AnswerFrame,
  BriefFrame,
  ErrorFrame,
  PresenceFrame,
  JobUpdatedFrame,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type AnswerFrame = z.infer<typeof AnswerFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/**
 * What a socket carries across hibernation (its attachment, next to partyserver's own metadata):
 * who it is, and the per-connection message window. Small by construction (< 2 KB): the issuer
 * is at most 512 characters and the subject 256.
 */
export const ConnectionState = z.object({
  v: z.literal(1),
  issuer: z.string().min(1).max(512),
  subject: z.string().min(1).max(256),
  /** The role when the socket opened (for presence and logs); every ask re-checks the authority. */
  role: Role,
  devRole: DevRole.optional(),
  connectedAt: z.number().int(),
  msgWindowStart: z.number().int(),
  msgCount: z.number().int().min(0),
  strikes: z.number().int().min(0),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

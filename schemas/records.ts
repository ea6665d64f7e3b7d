import { z } from "@hono/zod-openapi";
import { IsoDateTime, RecordId, Text, UserId } from "./common";

export const JobStatus = z.enum(["scheduled", "in_progress", "completed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;
export const JobPriority = z.enum(["low", "normal", "high", "urgent"]);
export type JobPriority = z.infer<typeof JobPriority>;

const MAX_EVENT_DATA_DEPTH = 32;

/**
 * Event data: a JSON object bounded in depth and serialised size. Values are whatever JSON.parse
 * produced (so JSON by construction); `unknown` keeps the RPC types shallow.
 */
export const EventData = z
  .record(z.string().max(200), z.unknown())
  // Depth first and aborting: serialising a deeply nested value (for the size check, or for the
  // RPC to the tenant object) would overflow the stack.
  .refine((v) => jsonDepth(v) <= MAX_EVENT_DATA_DEPTH, { message: `must nest at most ${MAX_EVENT_DATA_DEPTH} levels`, abort: true })
  .refine((v) => JSON.stringify(v).length <= 16_384, { message: "must serialise to at most 16384 characters" });

/** Nesting depth of a JSON value, walked iteratively (a recursive walk is what we are guarding against). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_EVENT_DATA_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

// ---- Ingest record shapes (field names are part of the contract) ----

export const ClientInput = z
  .strictObject({
    id: RecordId,
    name: Text(500).min(1),
    email: Text(320).optional(),
    phone: Text(64).optional(),
  })
  .openapi("ClientInput");
export type ClientInput = z.infer<typeof ClientInput>;

export const PropertyInput = z
  .strictObject({
    id: RecordId,
    clientId: RecordId,
    address: Text(1000).min(1),
    label: Text(500).optional(),
  })
  .openapi("PropertyInput");
export type PropertyInput = z.infer<typeof PropertyInput>;

export const JobInput = z
  .strictObject({
    id: RecordId,
    clientId: RecordId,
    propertyId: RecordId.optional(),
    title: Text(500).min(1),
    description: Text(20_000).optional(),
    status: JobStatus,
    priority: JobPriority.optional(),
    scheduledStart: IsoDateTime.optional(),
    scheduledEnd: IsoDateTime.optional(),
    assignees: z.array(UserId).max(50).optional(),
  })
  .openapi("JobInput");
export type JobInput = z.infer<typeof JobInput>;

export const NoteInput = z
  .strictObject({
    id: RecordId,
    body: Text(100_000).min(1),
    jobId: RecordId.optional(),
    clientId: RecordId.optional(),
    propertyId: RecordId.optional(),
    authorId: UserId.optional(),
    createdAt: IsoDateTime.optional(),
  })
  .refine((n) => [n.jobId, n.clientId, n.propertyId].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of jobId, clientId, propertyId is required",
    path: ["jobId"],
  })
  .openapi("NoteInput");
export type NoteInput = z.infer<typeof NoteInput>;

export const EventInput = z
  .strictObject({
    id: RecordId,
    jobId: RecordId,
    type: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -"),
    at: IsoDateTime,
    data: EventData.optional(),
  })
  .openapi("EventInput");
export type EventInput = z.infer<typeof EventInput>;

// ---- Records as the API returns them ----

export const Client = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("Client");
export type Client = z.infer<typeof Client>;

export const Property = z
  .object({
    id: z.string(),
    clientId: z.string(),
    address: z.string(),
    label: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("Property");
export type Property = z.infer<typeof Property>;

export const Job = z
  .object({
    id: z.string(),
    clientId: z.string(),
    propertyId: z.string().nullable(),
    title: z.string(),
    description: z.string().nullable(),
    status: JobStatus,
    priority: JobPriority,
    scheduledStart: z.string().nullable(),
    scheduledEnd: z.string().nullable(),
    assignees: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Job");
export type Job = z.infer<typeof Job>;

export const Note = z
  .object({
    id: z.string(),
    body: z.string(),
    jobId: z.string().nullable(),
    clientId: z.string().nullable(),
    propertyId: z.string().nullable(),
    authorId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Note");
export type Note = z.infer<typeof Note>;

export const JobEvent = z
  .object({
    id: z.string(),
    jobId: z.string(),
    type: z.string(),
    at: z.string(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("JobEvent");
export type JobEvent = z.infer<typeof JobEvent>;

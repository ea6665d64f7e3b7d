import { z } from "@hono/zod-openapi";
import { ClientRef, IsoDateTime, PropertyRef, RecordId, Text, UserId } from "./common";

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
    id: ClientRef,
    name: Text(500).min(1).openapi({ example: "Harborview Dental Group" }),
    email: Text(320).optional().openapi({ example: "facilities@harborviewdental.com" }),
    phone: Text(64).optional().openapi({ example: "+1 303-555-0142" }),
  })
  .openapi("ClientInput");
export type ClientInput = z.infer<typeof ClientInput>;

export const PropertyInput = z
  .strictObject({
    id: PropertyRef,
    clientId: ClientRef,
    address: Text(1000).min(1).openapi({ example: "1420 Harbor View Dr, Denver, CO 80211" }),
    label: Text(500).optional().openapi({ example: "Main clinic" }),
  })
  .openapi("PropertyInput");
export type PropertyInput = z.infer<typeof PropertyInput>;

export const JobInput = z
  .strictObject({
    id: RecordId,
    clientId: ClientRef,
    propertyId: PropertyRef.optional(),
    title: Text(500).min(1).openapi({ example: "RTU-2 down again - contactor pitted again" }),
    description: Text(20_000).optional(),
    status: JobStatus,
    priority: JobPriority.optional(),
    scheduledStart: IsoDateTime.optional(),
    scheduledEnd: IsoDateTime.optional(),
    assignees: z.array(UserId).max(50).optional(),
  })
  .openapi("JobInput");
export type JobInput = z.infer<typeof JobInput>;

/**
 * A note is on exactly one of a job, a client or a property. The document says so with a `oneOf`
 * of three `required` branches: a note naming two targets matches two branches and fails, one
 * naming none matches none.
 */
export const NoteInput = z
  .strictObject({
    id: RecordId.openapi({ example: "N-9001" }),
    body: Text(100_000).min(1).openapi({ example: "Customer called: RTU-2 is short-cycling again after lunch." }),
    jobId: RecordId.optional(),
    clientId: ClientRef.optional(),
    propertyId: PropertyRef.optional(),
    authorId: UserId.optional().openapi({ example: "dan.dispatch" }),
    createdAt: IsoDateTime.optional(),
  })
  .refine((n) => [n.jobId, n.clientId, n.propertyId].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of jobId, clientId, propertyId is required",
    path: ["jobId"],
  })
  .openapi("NoteInput", {
    description: "A note on exactly one of a job (`jobId`), a client (`clientId`) or a property (`propertyId`).",
    oneOf: [{ required: ["jobId"] }, { required: ["clientId"] }, { required: ["propertyId"] }],
  });
export type NoteInput = z.infer<typeof NoteInput>;

export const EventInput = z
  .strictObject({
    id: RecordId.openapi({ example: "E-9001" }),
    jobId: RecordId,
    type: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -")
      .openapi({ example: "status.changed" }),
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

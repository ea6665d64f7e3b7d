import { z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url } from "./encoding";
import { ClientRef, EvidenceKind, IsoDateTime, nullable, PropertyRef, RecordId, Text, UserId } from "./common";
import { Client, Job, JobEvent, JobPriority, JobStatus, Note, Property } from "./records";

export const JobListQuery = z.strictObject({
  status: JobStatus.optional(),
  priority: JobPriority.optional(),
  clientId: ClientRef.optional(),
  propertyId: PropertyRef.optional(),
  assignee: UserId.optional(),
  scheduledFrom: IsoDateTime.optional(),
  scheduledTo: IsoDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "must be a cursor returned by a previous page")
    // Checked here, decoded by the tenant object (a transform would not survive the second parse there).
    .refine((value) => decodeCursor(value) !== null, "must be a cursor returned by a previous page")
    .optional(),
});

/** Page cursors are the last job id of a page, base64url-encoded (opaque to callers, nothing hidden in them). */
export function encodeCursor(jobId: string): string {
  return toBase64Url(new TextEncoder().encode(jobId));
}

export function decodeCursor(cursor: string): string | null {
  const bytes = fromBase64Url(cursor);
  const id = bytes === null ? null : new TextDecoder().decode(bytes);
  return id !== null && RecordId.safeParse(id).success ? id : null;
}
export type JobListQuery = z.infer<typeof JobListQuery>;

export const JobList = z.object({ jobs: z.array(Job), nextCursor: z.string().nullable() }).openapi("JobList");
export type JobList = z.infer<typeof JobList>;

/** A job has at most this many assignees, however they were set (replaced, added to, ingested). */
export const MAX_ASSIGNEES = 50;

const AssigneeList = z.array(UserId).max(MAX_ASSIGNEES);

/**
 * A change to a job: fields not named keep their values. Assignees change either as a whole list
 * (`assignees`) or by operation (`assigneesAdd`, `assigneesRemove`), which the tenant object
 * applies to the current list inside the write, so concurrent additions never lose each other.
 */
export const JobPatch = z
  .strictObject({
    title: Text(500).min(1).optional(),
    description: Text(20_000).nullable().optional(),
    status: JobStatus.optional(),
    priority: JobPriority.optional(),
    scheduledStart: IsoDateTime.nullable().optional(),
    scheduledEnd: IsoDateTime.nullable().optional(),
    assignees: AssigneeList.optional().openapi({ description: "Replaces the whole list; not together with assigneesAdd/assigneesRemove" }),
    assigneesAdd: AssigneeList.optional().openapi({
      description: `User ids to assign (already assigned: no change); at most ${MAX_ASSIGNEES} assignees in the result`,
    }),
    assigneesRemove: AssigneeList.optional().openapi({ description: "User ids to unassign (not assigned: no change)" }),
  })
  .refine((p) => Object.keys(p).length > 0, { message: "at least one field is required" })
  .superRefine((p, ctx) => {
    if (p.assignees !== undefined) {
      for (const key of ["assigneesAdd", "assigneesRemove"] as const) {
        if (p[key] !== undefined)
          ctx.addIssue({ code: "custom", path: [key], message: "cannot be combined with assignees, which replaces the whole list" });
      }
    }
    const removing = new Set(p.assigneesRemove ?? []);
    (p.assigneesAdd ?? []).forEach((id, i) => {
      if (removing.has(id)) ctx.addIssue({ code: "custom", path: ["assigneesAdd", i], message: `${id} is in assigneesRemove too` });
    });
  })
  .openapi("JobPatch", { minProperties: 1, example: { status: "in_progress", priority: "urgent", assigneesAdd: ["ben.tech"] } });
export type JobPatch = z.infer<typeof JobPatch>;

export const NoteCreate = z
  .strictObject({
    id: RecordId.optional().openapi({ example: "N-9001" }),
    body: Text(100_000).min(1),
  })
  .openapi("NoteCreate", { example: { body: "Customer called: RTU-2 is short-cycling again after lunch." } });
export type NoteCreate = z.infer<typeof NoteCreate>;

export const Evidence = z
  .object({
    ref: z.string().openapi({ example: "note:N-4191" }),
    kind: EvidenceKind,
    text: z.string(),
    at: z.string().nullable(),
  })
  .openapi("Evidence");
export type Evidence = z.infer<typeof Evidence>;

export const JobContext = z
  .object({
    job: Job,
    client: nullable(Client),
    property: nullable(Property),
    assignees: z.array(z.object({ userId: z.string(), email: z.string().nullable(), role: z.string().nullable() })),
    notes: z.array(Note),
    events: z.array(JobEvent),
    evidence: z.array(Evidence),
  })
  .openapi("JobContext");
export type JobContext = z.infer<typeof JobContext>;

import { z } from "@hono/zod-openapi";
import { ClientInput, EventInput, JobInput, NoteInput, PropertyInput } from "./records";

/** Bound on records per kind in one call; the body limit bounds the total too. */
export const MAX_INGEST_RECORDS_PER_KIND = 5_000;

const batch = <T extends z.ZodType>(item: T) =>
  z.array(item).max(MAX_INGEST_RECORDS_PER_KIND, `at most ${MAX_INGEST_RECORDS_PER_KIND} records per kind`).optional();

export const IngestBody = z
  .strictObject({
    clients: batch(ClientInput),
    properties: batch(PropertyInput),
    jobs: batch(JobInput),
    notes: batch(NoteInput),
    events: batch(EventInput),
  })
  // An empty (or missing) body is a mistake, not a no-op worth a 200.
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: "at least one of clients, properties, jobs, notes, events is required",
  })
  .openapi("IngestBody", {
    minProperties: 1,
    example: {
      notes: [{ id: "N-9001", jobId: "J-3034", body: "Customer called: RTU-2 is short-cycling again after lunch." }],
      events: [
        {
          id: "E-9001",
          jobId: "J-3034",
          type: "status.changed",
          at: "2026-11-16T15:35:00Z",
          data: { from: "scheduled", to: "in_progress" },
        },
      ],
    },
  });
export type IngestBody = z.infer<typeof IngestBody>;

export const INGEST_KINDS = ["clients", "properties", "jobs", "notes", "events"] as const;
export type IngestKind = (typeof INGEST_KINDS)[number];

const Counts = z.object({ inserted: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });
export type IngestCounts = z.infer<typeof Counts>;

export const IngestResult = z
  .object({
    clients: Counts,
    properties: Counts,
    jobs: Counts,
    notes: Counts,
    events: Counts,
  })
  .openapi("IngestResult");
export type IngestResult = z.infer<typeof IngestResult>;

/** `Idempotency-Key` header value (draft-ietf-httpapi-idempotency-key-header). */
export const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
  .openapi({ example: "ingest-2026-11-16-0001" });

import { z } from "@hono/zod-openapi";
import { Role, UserId } from "./common";
import { Member, MemberStatus } from "./identity";

/** Tenant administration: members, background tasks, index coverage, metrics (settings: settings.ts). */

const Issuer = z.string().min(1).max(512);

export const MemberList = z.object({ members: z.array(Member) }).openapi("MemberList");
export type MemberList = z.infer<typeof MemberList>;

export const AdminMemberCreate = z
  .strictObject({
    subject: UserId,
    role: Role,
    email: z.email().max(320).optional(),
    /** Which identity provider's subject this is; defaults to the deployment's primary issuer. */
    issuer: Issuer.optional(),
  })
  .openapi("AdminMemberCreate", { example: { subject: "erin.tech", role: "technician", email: "erin.tech@example.com" } });
export type AdminMemberCreate = z.infer<typeof AdminMemberCreate>;

export const AdminMemberPatch = z
  .strictObject({
    role: Role.optional(),
    status: MemberStatus.optional(),
    email: z.email().max(320).nullable().optional(),
  })
  .refine((p) => p.role !== undefined || p.status !== undefined || p.email !== undefined, {
    message: "give at least one of role, status, email",
  })
  .openapi("AdminMemberPatch", { minProperties: 1, example: { role: "dispatcher" } });
export type AdminMemberPatch = z.infer<typeof AdminMemberPatch>;

/** `?issuer=` picks the identity provider when a subject is a member under several. */
export const MemberSelector = z.strictObject({ issuer: Issuer.optional() });
export type MemberSelector = z.infer<typeof MemberSelector>;

/** A membership change as the tenant object receives it from the router (issuer resolved). */
export const MemberChange = z.strictObject({
  subject: UserId,
  issuer: Issuer.optional(),
  defaultIssuer: Issuer,
});
export type MemberChange = z.infer<typeof MemberChange>;

/** What a member change did, so the router can update the directory index to match. */
export interface MemberChangeOutcome {
  member: Member;
  previous: Member | null;
  /** Sockets of the member closed by the change (removal, suspension, or a role change). */
  socketsClosed: number;
}

/** `embed`: records written since the last step are embedded into the semantic index (when it is on). */
export const TaskKind = z.enum(["reindex", "retention-purge", "key-reencrypt", "embed"]);
export type TaskKind = z.infer<typeof TaskKind>;
export const TaskStatus = z.enum(["queued", "running", "done", "failed"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TaskProgress = z.object({
  done: z.number().int().min(0),
  total: z.number().int().min(0).nullable(),
  /** Where a step resumes (opaque to clients). */
  cursor: z.string().nullable(),
  note: z.string().nullable(),
});
export type TaskProgress = z.infer<typeof TaskProgress>;

export const Task = z
  .object({
    id: z.string(),
    kind: TaskKind,
    status: TaskStatus,
    progress: TaskProgress,
    attempts: z.number().int(),
    error: z.string().nullable(),
    requestedBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Task");
export type Task = z.infer<typeof Task>;

export const TaskList = z.object({ tasks: z.array(Task) }).openapi("TaskList");
export type TaskList = z.infer<typeof TaskList>;

/** A background task's id, as the tenant object makes them (`task-<uuid>`). */
export const TaskId = z.string().regex(/^task-[A-Za-z0-9-]{1,64}$/, "must be a task id returned by the API");
export const TaskParams = z.object({ id: TaskId.openapi({ param: { name: "id", in: "path" } }) });

export const IndexCoverage = z
  .object({
    /** Records per kind, and how many of them the full-text index holds. */
    kinds: z.array(z.object({ kind: z.string(), records: z.number().int(), indexed: z.number().int() })),
    records: z.number().int(),
    indexed: z.number().int(),
    /** indexed / records (1 when there is nothing to index). */
    coverage: z.number(),
    /**
     * The semantic index (Workers AI embeddings in Vectorize), beside the full-text one. `enabled`
     * is false when the deployment has no `AI` and `VECTORIZE` bindings; the counts are index rows
     * (records) and their vectors: stored, waiting for the queue, or given up after repeated failures.
     */
    semantic: z.object({
      enabled: z.boolean(),
      records: z.number().int(),
      embedded: z.number().int(),
      pending: z.number().int(),
      failed: z.number().int(),
    }),
    tasks: z.array(Task),
  })
  .openapi("IndexCoverage");
export type IndexCoverage = z.infer<typeof IndexCoverage>;

export const MetricsQuery = z.strictObject({ window: z.enum(["hour", "day"]).default("hour") });
export type MetricsQuery = z.infer<typeof MetricsQuery>;

export const RouteMetrics = z.object({
  route: z.string(),
  count: z.number().int(),
  errors: z.number().int(),
  rateLimited: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type RouteMetrics = z.infer<typeof RouteMetrics>;

export const MetricsReport = z
  .object({
    window: z.enum(["hour", "day"]),
    from: z.string(),
    routes: z.array(RouteMetrics),
    tasks: z.object({ queued: z.number().int(), running: z.number().int(), failed: z.number().int() }),
  })
  .openapi("Metrics");
export type MetricsReport = z.infer<typeof MetricsReport>;

/** One request's outcome as the router reports it to the tenant's object (batched). */
export const MetricSample = z.strictObject({
  route: z.string().max(120),
  status: z.number().int().min(100).max(599),
  ms: z.number().min(0).max(3_600_000),
  at: z.number().int().min(0),
});
export type MetricSample = z.infer<typeof MetricSample>;
export const MetricBatch = z.array(MetricSample).max(1_000);

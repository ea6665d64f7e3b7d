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

/**
 * `embed`: records written since the last step are embedded into the semantic index (when it is on).
 * `document-index`: the chunks of big tenant documents go into the full-text index in bounded steps.
 */
export const TaskKind = z.enum(["reindex", "retention-purge", "key-reencrypt", "embed", "document-index"]);
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

export const MetricsWindow = z.enum(["hour", "day"]);
export type MetricsWindow = z.infer<typeof MetricsWindow>;

/** A route as metrics name it: the method and the route's pattern (`GET /v1/jobs/:id`). */
const MetricRoute = z.string().min(1).max(120);

export const MetricsQuery = z.strictObject({
  window: MetricsWindow.default("hour").openapi({
    description: "`hour`: 12 steps of 5 minutes; `day`: 24 steps of 1 hour. The last step is the current one.",
  }),
  route: MetricRoute.optional().openapi({
    description:
      "The time series counts only this route (method and pattern, as `routes[].route` names it); an unknown route is a series of empty steps. Without it: every route. The per-route totals are never filtered.",
    example: "GET /v1/jobs/:id",
  }),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** What a set of requests came to: server errors (5xx), 429s, and p50/p95 latency (null without requests). */
const MetricTotals = z.object({
  count: z.number().int(),
  errors: z.number().int(),
  rateLimited: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type MetricTotals = z.infer<typeof MetricTotals>;

export const RouteMetrics = MetricTotals.extend({ route: z.string() });
export type RouteMetrics = z.infer<typeof RouteMetrics>;

/** One step of the series: the requests that started in `[start, start + stepSeconds)`. */
export const MetricPoint = z
  .object({ start: z.string().openapi({ description: "When the step starts (ISO 8601, UTC)" }), ...MetricTotals.shape })
  .openapi("MetricPoint");
export type MetricPoint = z.infer<typeof MetricPoint>;

export const MetricsSeries = z
  .object({
    route: z.string().nullable().openapi({ description: "The route the points count (`?route=`); null: every route" }),
    stepSeconds: z.number().int().openapi({ description: "300 for `hour`, 3600 for `day`" }),
    points: z.array(MetricPoint).openapi({
      description: "Oldest first, one per step, steps without requests included: 12 for `hour`, 24 for `day`; the last is the current step",
    }),
  })
  .openapi("MetricsSeries");
export type MetricsSeries = z.infer<typeof MetricsSeries>;

export const MetricsReport = z
  .object({
    window: MetricsWindow,
    from: z.string().openapi({ description: "The start of the first step: the totals and the series count the same requests" }),
    routes: z.array(RouteMetrics),
    series: MetricsSeries,
    tasks: z.object({ queued: z.number().int(), running: z.number().int(), failed: z.number().int() }),
  })
  .openapi("Metrics");
export type MetricsReport = z.infer<typeof MetricsReport>;

/** One request's outcome as the router reports it to the tenant's object (batched). */
export const MetricSample = z.strictObject({
  route: MetricRoute,
  status: z.number().int().min(100).max(599),
  ms: z.number().min(0).max(3_600_000),
  at: z.number().int().min(0),
});
export type MetricSample = z.infer<typeof MetricSample>;
export const MetricBatch = z.array(MetricSample).max(1_000);

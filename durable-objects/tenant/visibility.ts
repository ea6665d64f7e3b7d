import type { Role } from "../../schemas/common";
import type { Db } from "./data/db";
import { jobs, type JobRow } from "./data/jobs";
import type { ScopeTokens } from "./data/search";

/**
 * The one place that decides what a role may do and which records a caller may see.
 * REST reads, search and the copilot all ask this module; none decides on its own.
 */
export type Action =
  | "me"
  | "ingest"
  | "jobs.read"
  | "jobs.write"
  | "notes.write"
  | "search"
  | "copilot.ask"
  | "usage.read"
  | "audit.read"
  | "admin.read"
  | "members.write"
  | "settings.write"
  | "keys.manage"
  | "export"
  | "import"
  | "tasks.write"
  | "documents.read"
  | "documents.write"
  | "library.read";

/** Reading the tenant's administration (members, settings, tasks, coverage, metrics, usage, audit). */
const ADMIN_READ: Action[] = ["usage.read", "audit.read", "admin.read"];
/** Changing it: members, settings, provider keys, export and import, background tasks, the tenant's documents. */
const ADMIN_WRITE: Action[] = ["members.write", "settings.write", "keys.manage", "export", "import", "tasks.write", "documents.write"];

/** What a dispatcher does; an admin does it too. Every member who works jobs reads the tenant's documents and the library. */
const DISPATCH: Action[] = [
  "me",
  "ingest",
  "jobs.read",
  "jobs.write",
  "notes.write",
  "search",
  "copilot.ask",
  "documents.read",
  "library.read",
];

const PERMISSIONS: Record<Role, ReadonlySet<Action>> = {
  admin: new Set<Action>([...DISPATCH, ...ADMIN_READ, ...ADMIN_WRITE]),
  dispatcher: new Set<Action>(DISPATCH),
  // The tenant's documents are the company's procedures: every member who works jobs reads all of them.
  technician: new Set<Action>(["me", "jobs.read", "notes.write", "search", "copilot.ask", "documents.read", "library.read"]),
  // Read-only everything, but never provider keys (not even their masks) and no exports.
  auditor: new Set<Action>(["me", "jobs.read", "search", "copilot.ask", "documents.read", "library.read", ...ADMIN_READ]),
  service: new Set<Action>(["me", "ingest"]),
};

export function can(role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action);
}

/** What a caller may read: everything, or the jobs assigned to them and what hangs off those jobs. */
export type Visibility =
  | { kind: "all" }
  | { kind: "assigned"; userId: string; jobPks: ReadonlySet<number>; clientPks: ReadonlySet<number>; propertyPks: ReadonlySet<number> };

export function visibilityFor(db: Db, role: Role, subject: string): Visibility {
  if (role !== "technician") return { kind: "all" };
  const assigned = jobs.assignedTo(db, subject);
  return {
    kind: "assigned",
    userId: subject,
    jobPks: new Set(assigned.map((j) => j.pk)),
    clientPks: new Set(assigned.map((j) => j.client_pk)),
    propertyPks: new Set(assigned.flatMap((j) => (j.property_pk === null ? [] : [j.property_pk]))),
  };
}

/**
 * The job if the caller may see it. The caller turns both "missing" and "hidden" into the same
 * `not_found` answer; the distinction exists only so a hidden one can be audited as denied.
 */
export function visibleJob(db: Db, v: Visibility, jobId: string): JobRow | "missing" | "hidden" {
  const row = jobs.byId(db, jobId);
  if (!row) return "missing";
  if (v.kind === "assigned" && !v.jobPks.has(row.pk)) return "hidden";
  return row;
}

/** Restriction of job listings: technicians list only their assigned jobs. */
export function jobListRestriction(v: Visibility): { assignedTo?: string } {
  return v.kind === "assigned" ? { assignedTo: v.userId } : {};
}

/**
 * FTS scope tokens for a search: `null` for callers who see everything. A `job` narrows to that
 * job's evidence: the job, its notes and events, its client and property and their notes.
 */
export function searchScope(v: Visibility, job: JobRow | null): ScopeTokens {
  if (job) return [`j${job.pk}`, `c${job.client_pk}`, ...(job.property_pk === null ? [] : [`p${job.property_pk}`])];
  if (v.kind === "all") return null;
  return [...[...v.jobPks].map((pk) => `j${pk}`), ...[...v.clientPks].map((pk) => `c${pk}`), ...[...v.propertyPks].map((pk) => `p${pk}`)];
}

import type { Task, TaskKind } from "../../schemas/admin";
import type { PlatformLimits } from "./config";
import type { AuditInput } from "./data/audit";
import { SqlError, type Db } from "./data/db";
import type { Action } from "./visibility";

/**
 * What every surface works with: the tenant's SQLite, its configuration, and the object's side
 * channels (audit anchoring, the background queue, the open sockets). The tenant object builds
 * one Runtime when it is constructed and hands it to the modules it calls; no module reaches
 * into the object itself.
 */
export interface Runtime {
  readonly db: Db;
  readonly env: Env;
  readonly storage: DurableObjectStorage;
  readonly limits: PlatformLimits;
  /** The tenant id the object is addressed by (for logs). */
  readonly name: string | undefined;
  /**
   * The one start-up path, run by every entry point before anything else: brings a provisioned
   * tenant's storage to the current schema (`createStorage` creates it, for a tenant being
   * provisioned). Synchronous SQL only, so nothing interleaves with it; once started it is a flag
   * check. A failure is logged, answered as `tenant_unavailable` and retried by the next call.
   * Returns whether the tenant's storage exists (provisioned, and not deleted since).
   */
  start(createStorage?: boolean): boolean;
  /**
   * Deletes every byte of the tenant's storage, its alarm included: afterwards the object is as if
   * it had never been provisioned (calls answer "not found", `provision` starts it again).
   */
  wipe(): Promise<void>;
  /** Appends to the audit log (inside the caller's transaction) and has the new head anchored soon. */
  appendAudit(entry: AuditInput): void;
  /** Queues background work and wakes the alarm for it; `audited` records the request when it is new. */
  enqueue(kind: TaskKind, by: string, audited: (reason: string) => void): Task;
  readonly sockets: SocketControl;
  /** The semantic index's switch and queue: set before a write, woken after it (tasks/embed.ts). */
  readonly semantic: { before(action: Action): void; after(action: Action): void };
  /** Restarts the object once the current answer is on its way (a point-in-time restore applies on restart). */
  restart(reason: string): void;
  /** Set while an import streams in: one import at a time per tenant. */
  importing: boolean;
}

/** The open sockets, as the surfaces see them: told about changed jobs, closed when access ends. */
export interface SocketControl {
  /** Sends `job.updated` to the sockets whose user may see the job, after the current call returns. */
  notifyJobsUpdated(jobIds: readonly string[]): void;
  /** Closes one member's sockets (removal, suspension, role change); returns how many. */
  closeSocketsOf(issuer: string, subject: string, reason: string): number;
  /** Closes every socket (tenant suspended or deleted); returns how many. */
  closeAll(reason: string): number;
}

/** An unexpected failure, logged with the tenant and (for SQL) the statement; never shown to a caller. */
export function logFailure(tenant: string | undefined, error: unknown, msg = "tenant call failed"): void {
  console.error(
    JSON.stringify({
      level: "error",
      msg,
      tenant: tenant ?? null,
      error: error instanceof Error ? error.message : String(error),
      statement: error instanceof SqlError ? error.statement.slice(0, 200) : undefined,
    }),
  );
}

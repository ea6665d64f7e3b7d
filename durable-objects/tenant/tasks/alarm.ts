import type { Task } from "../../../schemas/admin";
import { registry } from "../../directory/stubs";
import { audit } from "../data/audit";
import { tenantMeta } from "../data/meta";
import { isInitialised } from "../data/migrations";
import { tasks } from "../data/tasks";
import { logFailure, type Runtime } from "../runtime";
import { needsRetentionPurge, storedSettings } from "../settings";
import { keyring } from "../surfaces/admin/provider-keys";
import { semanticServices } from "../copilot/embeddings";
import type { SemanticQueue } from "./embed";
import { ANCHOR_DELAY_MS, type AlarmClock } from "./queue";
import { stepFor } from "./steps";

/** A background step that keeps failing is given up after this many attempts (backoff doubles from 2 s). */
const MAX_TASK_ATTEMPTS = 5;

/**
 * What the tenant's alarm does: drain the background queue one bounded step at a time, anchor
 * the audit head in the registry, and schedule the daily retention purge. Alarms are
 * at-least-once and never overlap: each step's writes and its progress commit together, so a
 * step run twice changes nothing more.
 */
export class AlarmWork {
  readonly #rt: Runtime;
  readonly #clock: AlarmClock;
  readonly #semantic: SemanticQueue;
  /** The audit seq last reported to the registry by this instance. */
  #anchoredSeq = -1;

  constructor(rt: Runtime, clock: AlarmClock, semantic: SemanticQueue) {
    this.#rt = rt;
    this.#clock = clock;
    this.#semantic = semantic;
  }

  async run(): Promise<void> {
    const db = this.#rt.db;
    this.#clock.fired();
    let backoffMs: number | null = null;
    try {
      this.#rt.start();
      const meta = isInitialised(db) ? tenantMeta.get(db) : null;
      if (!meta) return;
      await this.#anchorAudit(meta.id);
      this.#semantic.sync();
      const task = tasks.next(db);
      if (task && meta.status === "active") backoffMs = await this.#runStep(task, meta.id);
      this.#enqueueDueRetention();
    } catch (error) {
      logFailure(this.#rt.name, error, "tenant alarm failed");
    } finally {
      await this.#arm(backoffMs);
    }
  }

  /** One step of a task; returns a retry delay when the step failed (null otherwise). */
  async #runStep(task: Task, tenantId: string): Promise<number | null> {
    const db = this.#rt.db;
    const now = new Date().toISOString();
    const step = stepFor(task, {
      db,
      now,
      tenantId,
      settings: storedSettings(db),
      keyring: () => keyring(this.#rt),
      semantic: () => semanticServices(this.#rt.env),
    });
    try {
      await step.prepare?.();
      const outcome = db.transaction(() => {
        const result = step.apply();
        const status = result.failed ? "failed" : result.finished ? "done" : "running";
        const error = result.failed ? (result.progress.note ?? "failed") : null;
        tasks.update(db, task.id, { status, progress: result.progress, attempts: task.attempts, error }, now);
        return result;
      });
      return outcome.retryAfterMs ?? null;
    } catch (error) {
      const attempts = task.attempts + 1;
      const failed = attempts >= MAX_TASK_ATTEMPTS;
      logFailure(this.#rt.name, error, "background step failed");
      tasks.update(
        db,
        task.id,
        {
          status: failed ? "failed" : "running",
          progress: task.progress,
          attempts,
          error: failed ? "gave up after repeated failures (see the logs)" : "step failed; retrying",
        },
        now,
      );
      return failed ? null : 1_000 * 2 ** attempts;
    }
  }

  /** Daily retention purge while a retention period (or metadata-only mode) is set. */
  #enqueueDueRetention(): void {
    const due = this.#retentionDueAt();
    if (due === null || due > Date.now()) return;
    tasks.enqueue(this.#rt.db, "retention-purge", "schedule", new Date().toISOString());
  }

  #retentionDueAt(): number | null {
    if (!needsRetentionPurge(storedSettings(this.#rt.db))) return null;
    const last = tasks.lastFinished(this.#rt.db, "retention-purge");
    return last === null ? Date.now() : Date.parse(last) + 86_400_000;
  }

  /** Reports the audit head to the registry when it moved since the last report. */
  async #anchorAudit(tenantId: string): Promise<void> {
    const head = audit.head(this.#rt.db);
    if (head.seq === 0 || head.seq === this.#anchoredSeq) return;
    await registry(this.#rt.env).anchorAudit(tenantId, { seq: head.seq, hash: head.hash, at: new Date().toISOString() });
    this.#anchoredSeq = head.seq;
  }

  /** Sets the alarm for the next piece of work: a task step, the next anchor, the next purge. */
  async #arm(backoffMs: number | null): Promise<void> {
    const db = this.#rt.db;
    if (!isInitialised(db) || !tenantMeta.get(db)) return;
    const now = Date.now();
    const candidates: number[] = [];
    if (tasks.pending(db) > 0) candidates.push(now + (backoffMs ?? 0));
    if (audit.head(db).seq !== this.#anchoredSeq) candidates.push(now + ANCHOR_DELAY_MS);
    const retention = this.#retentionDueAt();
    if (retention !== null) candidates.push(Math.max(now, retention));
    if (candidates.length === 0) return;
    await this.#clock.setNoLaterThan(Math.min(...candidates));
  }
}

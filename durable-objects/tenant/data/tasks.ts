import { type Task, TaskKind, TaskProgress, TaskStatus, type TaskList } from "../../../schemas/admin";
import { parseStoredJson, type Db } from "./db";

/**
 * The tenant's background queue, drained by its alarm one step at a time (per-tenant concurrency
 * of one by construction: an object runs one alarm at a time). Bounded: at most MAX_PENDING tasks
 * waiting, and finished tasks beyond KEEP_FINISHED are pruned.
 */
export const MAX_PENDING = 16;
const KEEP_FINISHED = 50;

interface TaskRow {
  pk: number;
  id: string;
  kind: string;
  status: string;
  progress: string;
  attempts: number;
  error: string | null;
  requested_by: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const EMPTY: TaskProgress = { done: 0, total: null, cursor: null, note: null };

/** Stored rows are parsed; a row that does not parse reads as a failed task (never crashes the queue). */
function toApi(r: TaskRow): Task {
  const kind = TaskKind.safeParse(r.kind);
  const status = TaskStatus.safeParse(r.status);
  const progress = parseStoredJson(TaskProgress, r.progress);
  const ok = kind.success && status.success && progress !== undefined;
  return {
    id: r.id,
    kind: kind.success ? kind.data : "reindex",
    status: ok ? status.data : "failed",
    progress: progress ?? EMPTY,
    attempts: r.attempts,
    error: ok ? r.error : "unreadable task row",
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

export const tasks = {
  /**
   * Queues a task, or returns the one of the same kind already waiting (asking twice is one
   * task). Null when the queue is full.
   */
  enqueue(db: Db, kind: TaskKind, requestedBy: string | null, now: string): { task: Task; created: boolean } | null {
    const waiting = db.one<TaskRow>(`SELECT * FROM tasks WHERE kind = ? AND status = 'queued' ORDER BY pk LIMIT 1`, kind);
    if (waiting) return { task: toApi(waiting), created: false };
    if (tasks.pending(db) >= MAX_PENDING) return null;
    const id = `task-${crypto.randomUUID()}`;
    db.run(
      `INSERT INTO tasks (id, kind, status, progress, attempts, requested_by, created_at, updated_at) VALUES (?, ?, 'queued', ?, 0, ?, ?, ?)`,
      id,
      kind,
      JSON.stringify(EMPTY),
      requestedBy,
      now,
      now,
    );
    const task = tasks.get(db, id);
    if (!task) throw new Error("task vanished after insert");
    return { task, created: true };
  },
  get(db: Db, id: string): Task | null {
    const row = db.one<TaskRow>(`SELECT * FROM tasks WHERE id = ?`, id);
    return row ? toApi(row) : null;
  },
  /** The task to work on: one already running (interrupted), else the oldest queued. */
  next(db: Db): Task | null {
    const row = db.one<TaskRow>(`SELECT * FROM tasks WHERE status IN ('running', 'queued') ORDER BY status = 'running' DESC, pk LIMIT 1`);
    return row ? toApi(row) : null;
  },
  pending(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')`)?.n ?? 0;
  },
  counts(db: Db): Record<TaskStatus, number> {
    const out: Record<TaskStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const r of db.all<{ status: string; n: number }>(`SELECT status, count(*) AS n FROM tasks GROUP BY status`)) {
      const s = TaskStatus.safeParse(r.status);
      if (s.success) out[s.data] = r.n;
    }
    return out;
  },
  recent(db: Db, limit: number): TaskList {
    return { tasks: db.all<TaskRow>(`SELECT * FROM tasks ORDER BY pk DESC LIMIT ?`, limit).map(toApi) };
  },
  /** When a task of this kind last finished, done or failed (null: never): a failing schedule waits its turn too. */
  lastFinished(db: Db, kind: TaskKind): string | null {
    return (
      db.one<{ at: string }>(
        `SELECT finished_at AS at FROM tasks WHERE kind = ? AND status IN ('done', 'failed') ORDER BY pk DESC LIMIT 1`,
        kind,
      )?.at ?? null
    );
  },
  /** Records a step: progress, and the status it leaves the task in. */
  update(
    db: Db,
    id: string,
    change: { status: TaskStatus; progress: TaskProgress; attempts: number; error: string | null },
    now: string,
  ): void {
    const finished = change.status === "done" || change.status === "failed";
    db.run(
      `UPDATE tasks SET status = ?, progress = ?, attempts = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
      change.status,
      JSON.stringify(change.progress),
      change.attempts,
      change.error,
      now,
      finished ? now : null,
      id,
    );
    if (finished)
      db.run(
        `DELETE FROM tasks WHERE status IN ('done', 'failed') AND pk NOT IN (SELECT pk FROM tasks ORDER BY pk DESC LIMIT ?)`,
        KEEP_FINISHED,
      );
  },
};

import type { Task, TaskKind } from "../../../schemas/admin";
import { AppError } from "../../../schemas/errors";
import type { Db } from "../data/db";
import { MAX_PENDING, tasks } from "../data/tasks";

/**
 * The background queue's front: work is queued in the `tasks` table (bounded: MAX_PENDING
 * waiting) and the object's one alarm is set to drain it (tasks/alarm.ts). Per-tenant concurrency
 * of one by construction: a Durable Object has one alarm and alarms never overlap.
 */

/** The audit head reaches the registry at most this long after an audited write. */
export const ANCHOR_DELAY_MS = 5_000;

/**
 * The object's alarm, set no later than needed: a request for an earlier time moves it, a later
 * one leaves it. Remembers the time it last set or saw (null: unknown, e.g. after a wake).
 */
export class AlarmClock {
  readonly #storage: DurableObjectStorage;
  readonly #onError: (error: unknown) => void;
  #at: number | null = null;

  constructor(storage: DurableObjectStorage, onError: (error: unknown) => void) {
    this.#storage = storage;
    this.#onError = onError;
  }

  /** After a write: make sure an alarm comes within `delayMs` (without pushing an earlier one back). */
  soon(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.#at !== null && this.#at <= at) return;
    // After the current transaction (storage calls are not allowed inside transactionSync).
    queueMicrotask(() => void this.setNoLaterThan(at).catch(this.#onError));
  }

  async setNoLaterThan(at: number): Promise<void> {
    const current = await this.#storage.getAlarm();
    if (current !== null && current <= at) {
      this.#at = current;
      return;
    }
    this.#at = at;
    await this.#storage.setAlarm(at);
  }

  /** The alarm fired: the time it was set for is gone. */
  fired(): void {
    this.#at = null;
  }
}

/** Queues a task (or returns the same kind's task already waiting) and wakes the alarm for it; 429 when the queue is full. */
export function enqueue(db: Db, clock: AlarmClock, kind: TaskKind, by: string, audited: (reason: string) => void): Task {
  const queued = db.transaction(() => {
    const result = tasks.enqueue(db, kind, by, new Date().toISOString());
    if (!result)
      throw new AppError("rate_limited", `the background queue is full (${MAX_PENDING} tasks waiting); retry when they finish`, {
        retryAfterSeconds: 60,
      });
    if (result.created) audited(`queued ${result.task.id}`);
    return result.task;
  });
  clock.soon(0);
  return queued;
}

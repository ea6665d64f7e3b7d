import type { TaskProgress } from "../../../schemas/admin";
import { AppError } from "../../../schemas/errors";
import {
  EMBED_BATCH,
  EMBED_TEXT_CHARS,
  embedTexts,
  namespaceOf,
  semanticServices,
  vectorIdOf,
  type SemanticServices,
} from "../copilot/embeddings";
import type { Db } from "../data/db";
import { tasks } from "../data/tasks";
import { usage } from "../data/usage";
import { semanticSwitch, vectors, type PendingVector, type VectorMark } from "../data/vectors";
import type { Action } from "../visibility";
import type { AlarmClock } from "./queue";
import type { Step, StepContext, StepOutcome } from "./steps";

/**
 * The semantic index's queue. Writes mark index rows (triggers, data/vectors.ts) inside their own
 * transaction; after the call has committed, `wake` queues one `embed` task and the alarm drains
 * it a bounded step at a time: vectors of deleted records removed (up to DELETE_BATCH ids), then
 * up to EMBED_BATCH texts embedded in one Workers AI call and upserted by their stable ids. The
 * network work runs in the step's `prepare`, outside any transaction; its bookkeeping commits with
 * the task's progress. A step run twice upserts the same ids again and changes nothing more.
 *
 * A failed step counts an attempt on each row of its batch and retries after 2^failures × 5 s; a
 * row that failed MAX_VECTOR_ATTEMPTS times is left `failed` (shown by the coverage; the next
 * reindex retries it), so one record the service refuses cannot hold the queue up, and after
 * MAX_VECTOR_ATTEMPTS failed steps in a row the task itself is given up (the next write queues
 * another).
 */
export const DELETE_BATCH = 1_000;
export const MAX_VECTOR_ATTEMPTS = 5;
/** The background embedding call and upsert have this long (the question's lookup has far less). */
export const EMBED_TIMEOUT_MS = 20_000;
const RETRY_BASE_MS = 5_000;

/** Calls that write indexed records: after them the queue may have work. */
const INDEXED_WRITES: ReadonlySet<Action> = new Set<Action>(["ingest", "jobs.write", "notes.write", "import"]);

/** The switch the triggers read, kept in step with the bindings, and the queue's wake-up after writes. */
export class SemanticQueue {
  readonly #db: Db;
  readonly #env: () => Env;
  readonly #clock: AlarmClock;
  #enabled: boolean | null = null;

  constructor(db: Db, env: () => Env, clock: AlarmClock) {
    this.#db = db;
    this.#env = env;
    this.#clock = clock;
  }

  /**
   * Sets the switch from the bindings (written only when it changes); returns whether semantic
   * retrieval is on. Turning on queues a reindex: it marks every record written while it was off
   * (or before the bindings were added), so the tenant's whole index is embedded without anyone
   * asking for it.
   */
  sync(): boolean {
    const enabled = semanticServices(this.#env()) !== null;
    if (enabled !== this.#enabled) {
      if (semanticSwitch.get(this.#db) !== enabled) {
        semanticSwitch.set(this.#db, enabled);
        if (enabled && tasks.enqueue(this.#db, "reindex", "semantic-on", new Date().toISOString())) this.#clock.soon(0);
      }
      this.#enabled = enabled;
    }
    return enabled;
  }

  /** Before a call: the triggers must see the switch as the bindings say. */
  before(action: Action): void {
    if (INDEXED_WRITES.has(action)) this.sync();
  }

  /** After a call committed: queue the embed task when rows wait for it. */
  after(action: Action): void {
    if (!INDEXED_WRITES.has(action) || !this.sync() || !vectors.hasWork(this.#db)) return;
    if (tasks.enqueue(this.#db, "embed", "write", new Date().toISOString())) this.#clock.soon(0);
  }
}

/** Queues the embed task from inside a step (a reindex or purge that marked rows); the alarm then runs it. */
export function queueEmbedding(db: Db, now: string): void {
  if (semanticSwitch.get(db) && vectors.hasWork(db)) tasks.enqueue(db, "embed", "schedule", now);
}

export function embedStep(p: TaskProgress, c: StepContext): Step {
  let removed: (VectorMark & { vectorId: string })[] = [];
  let vanished: PendingVector[] = [];
  let live: PendingVector[] = [];
  let stored: string[] = [];
  let tokens = 0;
  let failure: unknown = null;
  return {
    async prepare() {
      const services = c.semantic();
      if (!services) return;
      try {
        removed = vectors.deletions(c.db, DELETE_BATCH);
        if (removed.length > 0) {
          await bounded(services.index.deleteByIds(removed.map((r) => r.vectorId)));
          return;
        }
        const batch = vectors.pending(c.db, EMBED_BATCH, EMBED_TEXT_CHARS);
        vanished = batch.filter((r) => r.text === null || r.kind === null || r.ref === null || r.scope === null);
        live = batch.filter((r) => !vanished.includes(r));
        if (live.length > 0) ({ stored, tokens } = await store(services, c.tenantId, live));
      } catch (error) {
        failure = error;
        if (removed.length > 0) removed = [];
      }
    },
    apply(): StepOutcome {
      const day = c.now.slice(0, 10);
      for (const r of removed) vectors.forget(c.db, r);
      for (const r of vanished) vectors.dropVanished(c.db, r);
      if (failure !== null) {
        vectors.failedAttempt(c.db, live, MAX_VECTOR_ATTEMPTS);
        // Consecutive failed steps (the cursor): the task gives up after MAX_VECTOR_ATTEMPTS; rows stay marked.
        const failures = (Number(p.cursor) || 0) + 1;
        const note = `semantic service failed (${String(failure).slice(0, 120)})`;
        if (failures >= MAX_VECTOR_ATTEMPTS)
          return { progress: { ...p, cursor: null, note: `${note}; gave up` }, finished: true, failed: true };
        return {
          progress: { ...p, cursor: String(failures), note: `${note}; retrying` },
          finished: false,
          retryAfterMs: RETRY_BASE_MS * 2 ** failures,
        };
      }
      live.forEach((r, i) => vectors.markEmbedded(c.db, r, stored[i] ?? ""));
      if (live.length > 0) {
        usage.add(c.db, day, "semantic.embed_calls", 1);
        usage.add(c.db, day, "semantic.embed_texts", live.length);
        usage.add(c.db, day, "semantic.embed_tokens", tokens);
      }
      const done = p.done + live.length + removed.length;
      const finished = c.semantic() === null || !vectors.hasWork(c.db);
      return { progress: { done, total: null, cursor: null, note: null }, finished };
    },
  };
}

/**
 * A tenant's deletion: every vector it stored goes from the index before its storage is wiped (the
 * bookkeeping is the only list of them). A failure fails the deletion, which the operator retries.
 */
export async function removeAllVectors(db: Db, services: SemanticServices | null): Promise<number> {
  let removed = 0;
  for (let after = 0; ;) {
    const page = vectors.storedIds(db, after, DELETE_BATCH);
    if (page.length === 0) return removed;
    if (!services) {
      console.warn(
        JSON.stringify({ level: "warn", msg: "tenant deleted with vectors left in the semantic index (its bindings are gone)" }),
      );
      return removed;
    }
    try {
      await bounded(services.index.deleteByIds(page.map((r) => r.vectorId)));
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", msg: "removing the tenant's vectors failed", error: String(error) }));
      throw new AppError("not_ready", "the tenant's vectors could not be removed from the semantic index; retry the deletion");
    }
    removed += page.length;
    after = page[page.length - 1]?.indexRow ?? after;
  }
}

/** Embeds a batch and upserts its vectors into the tenant's namespace; returns the ids in batch order. */
async function store(services: SemanticServices, tenantId: string, rows: PendingVector[]): Promise<{ stored: string[]; tokens: number }> {
  const refOf = (r: PendingVector) => `${r.kind}:${r.ref}`;
  const { vectors: values, tokens } = await bounded(
    embedTexts(
      services.ai,
      rows.map((r) => r.text ?? ""),
    ),
  );
  const ids = await Promise.all(rows.map((r) => vectorIdOf(tenantId, refOf(r))));
  await bounded(
    services.index.upsert(
      rows.map((r, i) => ({
        id: ids[i] ?? "",
        values: values[i] ?? [],
        namespace: namespaceOf(tenantId),
        metadata: { kind: r.kind ?? "", ref: refOf(r), jobId: r.job ?? "", scope: r.scope ?? "" },
      })),
    ),
  );
  return { stored: ids, tokens };
}

function bounded<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`semantic service over ${EMBED_TIMEOUT_MS} ms`)), EMBED_TIMEOUT_MS);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

import type { Task, TaskProgress } from "../../../schemas/admin";
import { type ProviderName } from "../../../schemas/provider-keys";
import { reencrypt, type Keyring } from "../crypto/envelope";
import { chat } from "../data/chat";
import type { Db } from "../data/db";
import type { StoredSettings } from "../../../schemas/settings";
import { providerKeyAad, providerKeys } from "../data/provider-keys";
import { INDEXED_KINDS, recordCounts, reindexBatch } from "../data/reindex";
import { indexMaintenance } from "../data/search";
import { vectors } from "../data/vectors";
import type { SemanticServices } from "../copilot/embeddings";
import { embedStep, queueEmbedding } from "./embed";
import { INDEX_STEP_CHUNKS } from "../../../schemas/library";
import { documents } from "../../knowledge/data/documents";

/**
 * One step of a background task. Each step does bounded work and returns the progress to store
 * with it; the caller stores the step's writes and the progress in one transaction, so a step
 * interrupted by a crash or eviction is simply done again (alarms are at-least-once) and a step
 * done twice changes nothing more.
 */
export const REINDEX_ROWS_PER_STEP = 2_000;
const PURGE_THREADS_PER_STEP = 200;
const STRIP_MESSAGES_PER_STEP = 2_000;
const KEYS_PER_STEP = 10;

export interface StepContext {
  db: Db;
  now: string;
  tenantId: string;
  settings: StoredSettings;
  keyring: () => Keyring;
  /** The semantic index's services, or null while it is off. */
  semantic: () => SemanticServices | null;
}

export interface StepOutcome {
  progress: TaskProgress;
  finished: boolean;
  /** The step's service failed: run the next step after this long (the default is at once). */
  retryAfterMs?: number;
  /** Finished, but as a failure (the note says why). */
  failed?: boolean;
}

/** Async preparation outside the transaction (crypto), then the synchronous writes inside it. */
export interface Step {
  prepare?: () => Promise<void>;
  apply: () => StepOutcome;
}

export function stepFor(task: Task, c: StepContext): Step {
  switch (task.kind) {
    case "reindex":
      return { apply: () => reindexStep(task.progress, c) };
    case "retention-purge":
      return { apply: () => purgeStep(task.progress, c) };
    case "key-reencrypt":
      return keyStep(task.progress, c);
    case "embed":
      return embedStep(task.progress, c);
    case "document-index":
      return { apply: () => documentIndexStep(task.progress, c) };
  }
}

/** INDEX_STEP_CHUNKS chunks of big documents into the full-text index (oldest upload first), as the library's alarm does. */
function documentIndexStep(p: TaskProgress, c: StepContext): StepOutcome {
  const { indexed, pending } = documents.indexStep(c.db, INDEX_STEP_CHUNKS);
  const done = p.done + indexed;
  const waiting = documents.waitingChunks(c.db);
  return { progress: { ...p, done, total: done + waiting }, finished: !pending };
}

/** Cursor `<kind index>:<last pk>`: every indexed kind in turn, then orphan rows dropped. */
function reindexStep(p: TaskProgress, c: StepContext): StepOutcome {
  const [kindText = "0", pkText = "0"] = (p.cursor ?? "0:0").split(":");
  let kindIndex = Number(kindText) || 0;
  let after = Number(pkText) || 0;
  const total = p.total ?? Object.values(recordCounts(c.db)).reduce((n, k) => n + k, 0);
  let budget = REINDEX_ROWS_PER_STEP;
  let done = p.done;
  while (budget > 0 && kindIndex < INDEXED_KINDS.length) {
    const kind = INDEXED_KINDS[kindIndex] ?? "job";
    const last = reindexBatch(c.db, kind, after, budget);
    if (last === null) {
      kindIndex++;
      after = 0;
      continue;
    }
    const rows = Math.min(budget, last - after);
    done += rows;
    budget -= rows;
    after = last;
  }
  if (kindIndex < INDEXED_KINDS.length)
    return { progress: { done: Math.min(done, total), total, cursor: `${kindIndex}:${after}`, note: null }, finished: false };
  const orphans = indexMaintenance.dropOrphans(c.db);
  // Every row was touched, so the triggers marked each for embedding again (while semantic retrieval is on).
  vectors.markOrphans(c.db);
  queueEmbedding(c.db, c.now);
  return { progress: { done: total, total, cursor: null, note: `${orphans} orphan index row(s) removed` }, finished: true };
}

/** Threads idle past the retention period go; in metadata-only mode stored content goes too. */
function purgeStep(p: TaskProgress, c: StepContext): StepOutcome {
  let done = p.done;
  let more = false;
  const days = c.settings.chatRetentionDays;
  if (days !== undefined) {
    const before = new Date(Date.parse(c.now) - days * 86_400_000).toISOString();
    const purged = chat.purgeIdleThreads(c.db, before, PURGE_THREADS_PER_STEP);
    done += purged;
    more ||= purged === PURGE_THREADS_PER_STEP;
  }
  if (c.settings.dataMode === "metadata-only") {
    const stripped = chat.stripContent(c.db, STRIP_MESSAGES_PER_STEP);
    more ||= stripped === STRIP_MESSAGES_PER_STEP;
  }
  // Chat is never embedded; the purge also sweeps vectors whose record is gone (a safety net for a given-up embed task).
  if (vectors.markOrphans(c.db) > 0) queueEmbedding(c.db, c.now);
  const note = days === undefined ? "no retention period set" : `threads idle over ${days} day(s) removed`;
  return { progress: { done, total: null, cursor: null, note }, finished: !more };
}

/**
 * Keys sealed under an older KEK are sealed again under the current one. The crypto is async, so
 * it runs before the transaction; the write is a compare-and-swap, so a key an admin replaced
 * meanwhile is left alone. A key whose KEK is gone is skipped (cursor) and counted.
 */
function keyStep(p: TaskProgress, c: StepContext): Step {
  const writes: { provider: ProviderName; next: Awaited<ReturnType<typeof reencrypt>>; old: string }[] = [];
  let skipped = 0;
  let last = p.cursor ?? "";
  let batch = 0;
  return {
    async prepare() {
      const ring = c.keyring();
      if (ring.current === null) return;
      const stale = providerKeys.staleVersions(c.db, ring.current, KEYS_PER_STEP, p.cursor ?? "");
      batch = stale.length;
      for (const key of stale) {
        last = key.provider;
        try {
          writes.push({
            provider: key.provider,
            next: await reencrypt(ring, key, providerKeyAad(c.tenantId, key.provider)),
            old: key.ciphertext,
          });
        } catch {
          skipped++;
        }
      }
    },
    apply() {
      let done = p.done;
      for (const w of writes) if (w.next && providerKeys.replaceCiphertext(c.db, w.provider, w.next, w.old, c.now)) done++;
      const note = skipped > 0 ? `${skipped} key(s) could not be opened with any KEK in the ring` : null;
      return { progress: { done, total: null, cursor: last === "" ? null : last, note: note ?? p.note }, finished: batch < KEYS_PER_STEP };
    },
  };
}

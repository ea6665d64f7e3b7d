import { TaskId, type IndexCoverage, type Task } from "../../../../schemas/admin";
import { AppError } from "../../../../schemas/errors";
import { recordCounts } from "../../data/reindex";
import { indexMaintenance } from "../../data/search";
import { tasks } from "../../data/tasks";
import { vectors } from "../../data/vectors";
import { semanticServices } from "../../copilot/embeddings";
import { platformAudit, requireMeta, type CallContext } from "../../guard";
import type { Runtime } from "../../runtime";

/**
 * Background work as the API shows it: `POST /v1/admin/reindex`, `GET /v1/admin/tasks/:id`,
 * `GET /v1/admin/index/coverage`, and the platform's key re-encryption. The work itself runs on
 * the tenant's alarm (tasks/).
 */

/** Queues a rebuild of the full-text index (202 with the task; asking again while one waits returns it). */
export function requestReindex(rt: Runtime, c: CallContext): Task {
  return rt.enqueue("reindex", c.principal, (reason) => c.audit({ action: "reindex", target: null, outcome: "ok", reason }));
}

/** A task by id; an id that is not a task id, or names no task, is "not found". */
export function task(rt: Runtime, taskId: string): Task {
  const id = TaskId.safeParse(taskId);
  const found = id.success ? tasks.get(rt.db, id.data) : null;
  if (!found) throw new AppError("not_found", id.success ? `task ${id.data} not found` : "task not found");
  return found;
}

/** Records and index rows per kind, the semantic index's vectors, and the recent background tasks. */
export function indexCoverage(rt: Runtime): IndexCoverage {
  const records = recordCounts(rt.db);
  const indexed = indexMaintenance.indexedCounts(rt.db);
  const kinds = Object.entries(records).map(([kind, n]) => ({ kind, records: n, indexed: indexed[kind] ?? 0 }));
  const total = kinds.reduce((n, k) => n + k.records, 0);
  const covered = kinds.reduce((n, k) => n + Math.min(k.indexed, k.records), 0);
  return {
    kinds,
    records: total,
    indexed: covered,
    coverage: total === 0 ? 1 : Math.round((covered / total) * 10_000) / 10_000,
    semantic: semanticCoverage(
      rt,
      Object.values(indexed).reduce((n, k) => n + k, 0),
    ),
    tasks: tasks.recent(rt.db, 10).tasks,
  };
}

function semanticCoverage(rt: Runtime, indexRows: number): IndexCoverage["semantic"] {
  const counts = vectors.counts(rt.db);
  return {
    enabled: semanticServices(rt.env) !== null,
    records: indexRows,
    embedded: counts.embedded,
    pending: counts.pending,
    failed: counts.failed,
  };
}

/** Platform: seal this tenant's provider keys under the current KEK (after a rotation). */
export function requestKeyReencryption(rt: Runtime, actor: string, requestId: string): Task {
  requireMeta(rt);
  return rt.enqueue("key-reencrypt", actor, (reason) =>
    platformAudit(rt, actor, requestId, "provider_key.reencrypt", "provider-keys", reason),
  );
}

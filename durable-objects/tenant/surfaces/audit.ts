import { AuditAnchor, AuditQuery, AuditVerifyQuery, type AuditPage, type AuditVerification } from "../../../schemas/audit";
import { parseOr422 } from "../../../schemas/errors";
import { audit } from "../data/audit";
import type { Runtime } from "../runtime";

/**
 * `/v1/admin/audit…`: the hash-chained audit log, page by page, and its verification against the
 * head anchored outside this object (in the registry; tasks/alarm.ts reports it there).
 */
export function auditPage(rt: Runtime, query: AuditQuery): AuditPage {
  const q = parseOr422(AuditQuery, query);
  return audit.page(rt.db, q.after ?? 0, q.limit, { actor: q.actor, action: q.action, since: q.since });
}

/**
 * Verifies the chain (paged), and that the log still holds the head anchored outside this
 * object: a log rewritten or truncated inside the object no longer does.
 */
export function auditVerify(rt: Runtime, query: AuditVerifyQuery, anchor: AuditAnchor | null): AuditVerification {
  const result = audit.verify(rt.db, parseOr422(AuditVerifyQuery, query).from);
  if (anchor === null) return { ...result, anchor: null };
  const held = parseOr422(AuditAnchor, anchor);
  const matches = audit.hashAt(rt.db, held.seq) === held.hash;
  if (matches) return { ...result, anchor: { ...held, matches } };
  return {
    ...result,
    valid: false,
    firstInvalidSeq: result.firstInvalidSeq ?? held.seq,
    problem:
      result.problem ?? `entry ${held.seq} is not the one anchored outside this object at ${held.at}: the log was rewritten or truncated`,
    anchor: { ...held, matches },
  };
}

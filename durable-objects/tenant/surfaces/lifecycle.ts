import { documents } from "../../knowledge/data/documents";
import type { Role } from "../../../schemas/common";
import { AppError, parseOr422 } from "../../../schemas/errors";
import { principalKey, type Member } from "../../../schemas/identity";
import type { MemberList } from "../../../schemas/admin";
import {
  MemberUpsertInput,
  PITR_WINDOW_DAYS,
  RestoreRequest,
  TenantProvision,
  TenantStatus,
  type DeletionSummary,
  type RestoreReceipt,
  type Tenant,
} from "../../../schemas/tenants";
import { semanticServices } from "../copilot/embeddings";
import { audit } from "../data/audit";
import { clients } from "../data/clients";
import { events } from "../data/events";
import { jobs } from "../data/jobs";
import { members } from "../data/members";
import { tenantMeta } from "../data/meta";
import { removeAllVectors } from "../tasks/embed";
import { isInitialised } from "../data/migrations";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import { platformAudit, requireMeta, type CallContext } from "../guard";
import type { Runtime } from "../runtime";

/**
 * A tenant's life as the platform sees it (`/v1/platform/tenants…`): provisioning, members added
 * by operators, suspension and resumption, deletion in two phases, point-in-time restore. Only
 * platform operators reach these (verified by the router); each change is audited in the
 * tenant's own log with the operator as actor. `me` is here too: who the caller is in this tenant.
 */

/** Creates the tenant's storage and record; 409 when the tenant exists. */
export function provision(rt: Runtime, input: TenantProvision, actor: string, requestId: string): Tenant {
  const t = parseOr422(TenantProvision, input);
  if (isInitialised(rt.db) && tenantMeta.get(rt.db)) throw new AppError("tenant_exists", `tenant ${t.id} already exists`);
  rt.start(true);
  const meta: Tenant = { id: t.id, name: t.name, region: t.region, status: "active", createdAt: new Date().toISOString() };
  rt.db.transaction(() => {
    tenantMeta.put(rt.db, meta);
    platformAudit(rt, actor, requestId, "tenant.provision", `tenant:${meta.id}`, null);
  });
  return meta;
}

/** Adds a member, or changes an existing member's role; a changed member's sockets close (they reconnect as what they are now). */
export function upsertMember(
  rt: Runtime,
  input: MemberUpsertInput,
  actor: string,
  requestId: string,
): { member: Member; outcome: "inserted" | "updated" | "unchanged" } {
  const m = parseOr422(MemberUpsertInput, input);
  requireMeta(rt);
  const outcome = rt.db.transaction(() => {
    const result = members.upsert(rt.db, m, new Date().toISOString());
    if (result !== "unchanged") platformAudit(rt, actor, requestId, "member.upsert", `member:${principalKey(m)}`, `${result} as ${m.role}`);
    return result;
  });
  const member = members.get(rt.db, m.issuer, m.subject);
  if (!member) throw new AppError("internal", "member vanished after write");
  if (outcome === "updated") rt.sockets.closeSocketsOf(m.issuer, m.subject, "membership changed");
  return { member, outcome };
}

/** Every member, for the operator who manages them (and the local sign-in picker). */
export function listMembers(rt: Runtime): MemberList {
  requireMeta(rt);
  return { members: members.list(rt.db) };
}

/** Suspends (members refused, sockets closed) or resumes the tenant. */
export function setStatus(rt: Runtime, status: TenantStatus, actor: string, requestId: string): Tenant {
  const next = parseOr422(TenantStatus, status);
  const meta = requireMeta(rt);
  if (meta.status === next) return meta;
  const updated = { ...meta, status: next };
  rt.db.transaction(() => {
    tenantMeta.put(rt.db, updated);
    platformAudit(rt, actor, requestId, next === "suspended" ? "tenant.suspend" : "tenant.resume", `tenant:${meta.id}`, null);
  });
  if (next === "suspended") rt.sockets.closeAll("tenant suspended");
  return updated;
}

/**
 * First phase of deletion: suspend the tenant (members are refused from now on) and report the
 * receipt's content and the members whose directory entries must go. Safe to call again.
 */
export function prepareDeletion(rt: Runtime, actor: string, requestId: string): DeletionSummary {
  const meta = requireMeta(rt);
  rt.db.transaction(() => {
    if (meta.status !== "suspended") tenantMeta.put(rt.db, { ...meta, status: "suspended" });
    platformAudit(rt, actor, requestId, "tenant.delete", `tenant:${meta.id}`, "storage will be wiped");
  });
  rt.sockets.closeAll("tenant deleted");
  return {
    counts: {
      clients: clients.count(rt.db),
      properties: properties.count(rt.db),
      jobs: jobs.count(rt.db),
      notes: notes.count(rt.db),
      events: events.count(rt.db),
      members: members.count(rt.db),
      documents: documents.list(rt.db).length,
    },
    auditHead: audit.head(rt.db).hash,
    members: members.list(rt.db).map((m) => ({ issuer: m.issuer, subject: m.subject })),
  };
}

/**
 * Last phase of deletion: removes the tenant's vectors from the semantic index (when it has any),
 * then wipes every byte of storage. Idempotent (an empty object stays empty). Runs without starting
 * the object first, so a tenant whose storage fails to start can still be deleted.
 */
export async function destroy(rt: Runtime): Promise<{ wiped: boolean }> {
  if (!isInitialised(rt.db)) return { wiped: false };
  await removeAllVectors(rt.db, semanticServices(rt.env));
  await rt.wipe();
  return { wiped: true };
}

/**
 * Point-in-time recovery: the object's SQLite goes back to `at` (within the last
 * PITR_WINDOW_DAYS) when it next starts, which it does right after answering. Everything
 * written after `at` is gone, this request's own trace included, so the receipt (with the
 * bookmark that undoes the restore) goes back to the operator. Local workerd has no
 * point-in-time recovery: the call then answers 503 and changes nothing.
 */
export async function restoreTo(rt: Runtime, input: RestoreRequest, actor: string): Promise<RestoreReceipt> {
  const { at = null, bookmark: given } = parseOr422(RestoreRequest, input);
  const meta = requireMeta(rt);
  const when = at === null ? Date.now() : Date.parse(at);
  if (at !== null && (when > Date.now() || when < Date.now() - PITR_WINDOW_DAYS * 86_400_000)) {
    throw new AppError("validation_failed", `the restore point must be in the last ${PITR_WINDOW_DAYS} days`, {
      errors: [{ path: "at", message: `must be between ${PITR_WINDOW_DAYS} days ago and now` }],
    });
  }
  let bookmark: string;
  let undoBookmark: string;
  try {
    bookmark = given ?? (await rt.storage.getBookmarkForTime(when));
    undoBookmark = await rt.storage.onNextSessionRestoreBookmark(bookmark);
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", msg: "point-in-time recovery unavailable", tenant: meta.id, error: String(error) }));
    throw new AppError("not_ready", "point-in-time recovery is not available on this runtime (it is on Cloudflare, not in local workerd)");
  }
  const receipt = { tenantId: meta.id, at, bookmark, undoBookmark, requestedBy: actor, requestedAt: new Date().toISOString() };
  console.warn(JSON.stringify({ level: "warn", msg: "tenant restore scheduled", ...receipt }));
  rt.restart("restoring to a point in time");
  return receipt;
}

/** Who the caller is in this tenant. */
export function me(c: CallContext): { tenant: Tenant; role: Role } {
  return { tenant: c.meta, role: c.role };
}

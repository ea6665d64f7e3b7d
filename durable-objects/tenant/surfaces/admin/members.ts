import { AdminMemberCreate, AdminMemberPatch, MemberChange, type MemberChangeOutcome, type MemberList } from "../../../../schemas/admin";
import { AppError, parseOr422 } from "../../../../schemas/errors";
import { principalKey, type Member } from "../../../../schemas/identity";
import type { Preconditions, Tagged } from "../../../../schemas/preconditions";
import type { Db } from "../../data/db";
import { members } from "../../data/members";
import { entityTag, requirePreconditions, tagged } from "../../etag";
import type { CallContext } from "../../guard";
import type { Runtime } from "../../runtime";

/**
 * `/v1/admin/members…`: the tenant's members, as its admin manages them. This object is the
 * authority: a change takes effect on the member's next call and closes their sockets; the router
 * then brings the directory index in line. The last active admin can be neither demoted,
 * suspended nor removed.
 */
export function listMembers(rt: Runtime): MemberList {
  return { members: members.list(rt.db) };
}

/** One member and its entity tag (`?issuer=` picks the identity provider when the subject has several). */
export function getMember(rt: Runtime, change: MemberChange): Tagged<Member> {
  return tagged("member", memberNamed(rt.db, parseOr422(MemberChange, change)));
}

/** Adds a member (409 when the identity is one already: change it with PATCH). */
export function addMember(rt: Runtime, c: CallContext, input: AdminMemberCreate, defaultIssuer: string): MemberChangeOutcome {
  const m = parseOr422(AdminMemberCreate, input);
  const issuer = m.issuer ?? parseOr422(MemberChange.shape.defaultIssuer, defaultIssuer);
  rt.db.transaction(() => {
    if (members.get(rt.db, issuer, m.subject)) throw new AppError("conflict", `${m.subject} is a member already; change it with PATCH`);
    members.upsert(rt.db, { issuer, subject: m.subject, role: m.role, email: m.email }, c.now);
    c.audit({
      action: "member.add",
      target: `member:${principalKey({ issuer, subject: m.subject })}`,
      outcome: "ok",
      reason: `as ${m.role}`,
    });
  });
  return { member: memberOrInternal(rt.db, issuer, m.subject), previous: null, socketsClosed: 0 };
}

/**
 * Role, status or e-mail of a member. Suspension and role changes take effect on the member's
 * next call (this object decides every call) and close their sockets.
 */
export function patchMember(
  rt: Runtime,
  c: CallContext,
  change: MemberChange,
  patch: AdminMemberPatch,
  preconditions: Preconditions,
): MemberChangeOutcome & { etag: string } {
  const who = parseOr422(MemberChange, change);
  const p = parseOr422(AdminMemberPatch, patch);
  const previous = rt.db.transaction(() => {
    const current = memberNamed(rt.db, who);
    requirePreconditions(preconditions, entityTag("member", current), `member ${current.subject}`);
    const next = {
      role: p.role ?? current.role,
      status: p.status ?? current.status,
      email: p.email === undefined ? current.email : p.email,
    };
    keepAnAdmin(rt.db, current, next.role === "admin" && next.status === "active");
    if (members.patch(rt.db, current.issuer, current.subject, next, c.now)) {
      const what = Object.entries(p).map(([k, v]) => `${k}=${k === "email" ? (v === null ? "none" : "changed") : String(v)}`);
      c.audit({ action: "member.update", target: `member:${principalKey(current)}`, outcome: "ok", reason: what.join(", ") });
    }
    return current;
  });
  const member = memberOrInternal(rt.db, previous.issuer, previous.subject);
  const revoked = member.status !== "active" || member.role !== previous.role;
  const socketsClosed = revoked ? rt.sockets.closeSocketsOf(member.issuer, member.subject, "membership changed") : 0;
  return { member, previous, socketsClosed, etag: entityTag("member", member) };
}

/** Removes a member: refused from their next call on, their sockets closed. */
export function removeMember(rt: Runtime, c: CallContext, change: MemberChange, preconditions: Preconditions): MemberChangeOutcome {
  const who = parseOr422(MemberChange, change);
  const removed = rt.db.transaction(() => {
    const current = memberNamed(rt.db, who);
    requirePreconditions(preconditions, entityTag("member", current), `member ${current.subject}`);
    keepAnAdmin(rt.db, current, false);
    members.remove(rt.db, current.issuer, current.subject);
    c.audit({ action: "member.remove", target: `member:${principalKey(current)}`, outcome: "ok", reason: `was ${current.role}` });
    return current;
  });
  const socketsClosed = rt.sockets.closeSocketsOf(removed.issuer, removed.subject, "membership removed");
  return { member: removed, previous: removed, socketsClosed };
}

function memberOrInternal(db: Db, issuer: string, subject: string): Member {
  const member = members.get(db, issuer, subject);
  if (!member) throw new AppError("internal", "member vanished after write");
  return member;
}

/** The member a change names: its issuer if given, else the only (or the default issuer's) membership of the subject. */
function memberNamed(db: Db, who: MemberChange): Member {
  if (who.issuer !== undefined) {
    const m = members.get(db, who.issuer, who.subject);
    if (!m) throw new AppError("not_found", `member ${who.subject} not found`);
    return m;
  }
  const all = members.bySubject(db, who.subject);
  if (all.length === 0) throw new AppError("not_found", `member ${who.subject} not found`);
  if (all.length === 1 && all[0]) return all[0];
  const primary = all.find((m) => m.issuer === who.defaultIssuer);
  if (primary) return primary;
  throw new AppError("validation_failed", `${who.subject} is a member under ${all.length} identity providers; choose one`, {
    errors: [{ path: "issuer", message: `one of: ${all.map((m) => m.issuer).join(", ")}` }],
  });
}

/** Refuses a change that would leave the tenant without an active admin. */
function keepAnAdmin(db: Db, current: Member, staysActiveAdmin: boolean): void {
  const isActiveAdmin = current.role === "admin" && current.status === "active";
  if (isActiveAdmin && !staysActiveAdmin && members.activeAdmins(db) <= 1) {
    throw new AppError("conflict", "this is the tenant's last active admin: add another admin first");
  }
}

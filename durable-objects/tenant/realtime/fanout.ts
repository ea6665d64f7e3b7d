import type { Role } from "../../../schemas/common";
import { principalKey } from "../../../schemas/identity";
import type { ConnectionState } from "../../../schemas/realtime";
import type { Db } from "../data/db";
import { jobs } from "../data/jobs";
import { can, visibilityFor, type Visibility } from "../visibility";

/**
 * Who hears about which job: for each open socket, the changed jobs its user may see now, decided
 * by the same visibility module as REST (admins, dispatchers and auditors see every job,
 * technicians only their assigned ones). The role comes from the authority (members table) at the
 * time of the change, not from the socket, so a demoted or removed member hears nothing.
 * Visibility is computed once per distinct user, not per socket.
 */
export interface Socket {
  id: string;
  state: ConnectionState;
}

export function planJobUpdates(
  db: Db,
  jobIds: readonly string[],
  sockets: readonly Socket[],
  roleOf: (state: ConnectionState) => Role | null,
): Map<string, string[]> {
  const plan = new Map<string, string[]>();
  if (jobIds.length === 0 || sockets.length === 0) return plan;
  const changed: { id: string; pk: number }[] = [];
  for (const id of new Set(jobIds)) {
    const pk = jobs.pkOf(db, id);
    if (pk !== null) changed.push({ id, pk });
  }
  if (changed.length === 0) return plan;
  const seen = new Map<string, string[]>();
  const visibilities = new Map<string, Visibility>();
  for (const socket of sockets) {
    const principal = principalKey(socket.state);
    let visible = seen.get(principal);
    if (visible === undefined) {
      const role = roleOf(socket.state);
      if (role === null || !can(role, "jobs.read")) {
        visible = [];
      } else {
        const vKey = `${role}|${socket.state.subject}`;
        let v = visibilities.get(vKey);
        if (!v) {
          v = visibilityFor(db, role, socket.state.subject);
          visibilities.set(vKey, v);
        }
        const vis = v;
        visible = vis.kind === "all" ? changed.map((j) => j.id) : changed.filter((j) => vis.jobPks.has(j.pk)).map((j) => j.id);
      }
      seen.set(principal, visible);
    }
    if (visible.length > 0) plan.set(socket.id, visible);
  }
  return plan;
}

/** Jobs an ingest body touches: its jobs, and the jobs of its notes and events. */
export function jobsTouchedByIngest(body: {
  jobs?: { id: string }[] | undefined;
  notes?: { jobId?: string | undefined }[] | undefined;
  events?: { jobId: string }[] | undefined;
}): string[] {
  const ids = new Set<string>();
  for (const j of body.jobs ?? []) ids.add(j.id);
  for (const n of body.notes ?? []) if (n.jobId !== undefined) ids.add(n.jobId);
  for (const e of body.events ?? []) ids.add(e.jobId);
  return [...ids];
}

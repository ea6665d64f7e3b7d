import type { Role } from "../../schemas/common";
import type { IngestBody } from "../../schemas/ingest";
import { call } from "./api";
import { keys, userToken } from "./tokens";

/** Test worlds built only through the public API (platform routes, ingest), never by poking storage. */
export const OPERATOR = "ops-1";

export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function operatorToken(): Promise<string> {
  return userToken(OPERATOR);
}

export async function createTenant(prefix = "t", region: "us" | "eu" | "auto" = "us"): Promise<string> {
  const id = uniqueId(prefix.toLowerCase());
  const res = await call("/v1/platform/tenants", { token: await operatorToken(), body: { id, name: `Tenant ${id}`, region } });
  if (res.status !== 201) throw new Error(`createTenant failed: ${res.status} ${res.text}`);
  return id;
}

export async function addMember(tenantId: string, subject: string, role: Role): Promise<void> {
  const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
    token: await operatorToken(),
    body: { subject, role, issuer: keys.issuer },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`addMember failed: ${res.status} ${res.text}`);
}

export async function ingestAs(token: string, tenantId: string, body: IngestBody): Promise<void> {
  const res = await call("/v1/ingest", { token, tenant: tenantId, body });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${res.text}`);
}

export interface Cast {
  tenantId: string;
  admin: string;
  dispatcher: string;
  technician: string;
  otherTechnician: string;
  auditor: string;
  service: string;
  subjects: Record<"admin" | "dispatcher" | "technician" | "otherTechnician" | "auditor" | "service", string>;
}

export type CastMember = keyof Cast["subjects"];

/** The role of each member of a cast (two technicians, one of every other role). */
export const CAST_ROLES: Record<CastMember, Role> = {
  admin: "admin",
  dispatcher: "dispatcher",
  technician: "technician",
  otherTechnician: "technician",
  auditor: "auditor",
  service: "service",
};

/** A tenant with one member per role and tokens for each. */
export async function tenantWithCast(prefix = "t"): Promise<Cast> {
  const tenantId = await createTenant(prefix);
  const subjects = {
    admin: uniqueId("admin"),
    dispatcher: uniqueId("disp"),
    technician: uniqueId("tech"),
    otherTechnician: uniqueId("tech2"),
    auditor: uniqueId("aud"),
    service: uniqueId("svc"),
  };
  for (const [k, subject] of Object.entries(subjects)) await addMember(tenantId, subject, CAST_ROLES[k as CastMember]);
  return {
    tenantId,
    admin: await userToken(subjects.admin),
    dispatcher: await userToken(subjects.dispatcher),
    technician: await userToken(subjects.technician),
    otherTechnician: await userToken(subjects.otherTechnician),
    auditor: await userToken(subjects.auditor),
    service: await userToken(subjects.service),
    subjects,
  };
}

/** Two jobs: J1 assigned to the technician, J2 to the other technician, each with notes and events. */
export function basicData(cast: Cast, canary = "zz"): IngestBody {
  return {
    clients: [
      { id: "C1", name: `Harbor Bakery ${canary}c1` },
      { id: "C2", name: `Summit Offices ${canary}c2` },
    ],
    properties: [
      { id: "P1", clientId: "C1", address: `12 Quay Street ${canary}p1`, label: "Bakery" },
      { id: "P2", clientId: "C2", address: `400 Ridge Road ${canary}p2` },
    ],
    jobs: [
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: "Walk-in cooler not cooling",
        description: `Compressor cycling ${canary}j1`,
        status: "scheduled",
        priority: "high",
        assignees: [cast.subjects.technician],
      },
      {
        id: "J2",
        clientId: "C2",
        propertyId: "P2",
        title: "Rooftop unit service",
        description: `Quarterly maintenance ${canary}j2`,
        status: "in_progress",
        assignees: [cast.subjects.otherTechnician],
      },
    ],
    notes: [
      { id: "N1", jobId: "J1", body: `Replaced the condenser fan motor ${canary}n1`, createdAt: "2026-10-01T10:00:00Z" },
      {
        id: "N2",
        jobId: "J2",
        body: `Rooftop access through the east stairwell, gate code 4411 ${canary}n2`,
        createdAt: "2026-10-02T10:00:00Z",
      },
      { id: "N3", clientId: "C1", body: `Bakery opens at 5am, use the back door ${canary}n3` },
      { id: "N4", propertyId: "P2", body: `Ladder stored in the loading dock ${canary}n4` },
    ],
    events: [
      { id: "E1", jobId: "J1", type: "status.changed", at: "2026-10-01T09:00:00Z", data: { to: "scheduled", note: `${canary}e1` } },
      { id: "E2", jobId: "J2", type: "arrived", at: "2026-10-02T09:00:00Z", data: { by: `${canary}e2` } },
    ],
  };
}

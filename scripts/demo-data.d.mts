import type { IngestBody } from "../schemas/ingest";
import type { Role } from "../schemas/common";

/** Types for scripts/demo-data.mjs, so tests (TypeScript) can load the demo tenants. */
export const DEMO_TODAY: string;
export const DEMO_SCHEMA_VERSION: number;

/** When a record was created and last changed (ISO 8601, `Date#toISOString`). */
export interface RecordTimes {
  createdAt: string;
  updatedAt: string;
}

export interface DemoTenantData {
  id: string;
  name: string;
  region: "us" | "eu" | "auto";
  members: { subject: string; role: Role }[];
  data: Required<IngestBody>;
  /** Times the ingest contract does not carry, by record id. */
  times: {
    clients: Record<string, RecordTimes>;
    properties: Record<string, RecordTimes>;
    jobs: Record<string, RecordTimes>;
  };
}

export function demoData(): { tenants: DemoTenantData[] };

/** The tenant as an export file for `POST /v1/admin/import`; `plainText` is the tenant object's `toPlainText`. */
export function demoImportFile(tenant: DemoTenantData, options: { plainText: (text: string) => string }): Promise<string>;

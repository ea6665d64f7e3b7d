import type { IngestBody } from "../schemas/ingest";
import type { Role } from "../schemas/common";

/** Types for scripts/demo-data.mjs, so tests (TypeScript) can load the demo tenants. */
export const DEMO_TODAY: string;
export function demoData(): {
  tenants: {
    id: string;
    name: string;
    region: "us" | "eu" | "auto";
    members: { subject: string; role: Role }[];
    data: Required<IngestBody>;
  }[];
};

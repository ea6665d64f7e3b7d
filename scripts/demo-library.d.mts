import type { DocumentUpload } from "../schemas/library";

/** Types for scripts/demo-library.mjs, so tests (TypeScript) can load the demo's knowledge content. */
export type DemoDocument = Required<Pick<DocumentUpload, "id">> & Omit<DocumentUpload, "id">;

/** The shared library's demo documents (the operator's uploads). */
export function demoLibrary(): DemoDocument[];

/** Each demo tenant's own documents (uploaded by the tenant's admin), by tenant id. */
export function demoTenantDocuments(): Record<"acme-hvac" | "northwind-plumbing", DemoDocument[]>;

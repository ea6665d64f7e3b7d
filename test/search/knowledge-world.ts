import { runInDurableObject } from "cloudflare:test";
import { call } from "../helpers/api";
import { tenantObject } from "../helpers/storage";
import { operatorToken } from "../helpers/world";

/**
 * Knowledge for the search and copilot tests, loaded through the real routes: library documents
 * as the platform operator, tenant documents as the tenant's admin. And a stand-in for the
 * `LIBRARY` binding of one tenant's object (as test/helpers/semantic.ts stands in for `AI`): a
 * library that never answers, or one whose every call fails, to show the copilot and search degrade.
 */
export async function uploadLibraryDocument(doc: { id: string; title: string; format: "markdown" | "text"; text: string }): Promise<void> {
  const res = await call("/v1/platform/library/documents", { token: await operatorToken(), body: doc });
  // The library is one object for every tenant: a document another test already loaded is kept.
  if (res.status !== 201 && res.status !== 409) throw new Error(`library upload failed: ${res.status} ${res.text}`);
}

export async function uploadTenantDocument(
  admin: string,
  tenantId: string,
  doc: { id: string; title: string; format: "markdown" | "text"; text: string },
): Promise<void> {
  const res = await call("/v1/admin/documents", { token: admin, tenant: tenantId, body: doc });
  if (res.status !== 201) throw new Error(`document upload failed: ${res.status} ${res.text}`);
}

/** A chunk's ref by its heading: `kb:<doc>@<version>#<chunk>` (library) or `doc:<doc>#<chunk>` (the tenant's). */
export async function chunkRef(
  source: "library" | "documents",
  docId: string,
  heading: string,
  as: { token: string; tenant: string },
): Promise<string> {
  const path = source === "library" ? `/v1/library/documents/${docId}` : `/v1/documents/${docId}`;
  const res = await call<{ version: number; chunks: { id: string; headingPath: string[] }[] }>(path, as);
  if (res.status !== 200) throw new Error(`reading ${docId} failed: ${res.status} ${res.text}`);
  const chunk = res.body.chunks.find((c) => c.headingPath.at(-1) === heading);
  if (!chunk) throw new Error(`${docId} has no chunk under "${heading}"`);
  return source === "library" ? `kb:${docId}@${res.body.version}#${chunk.id}` : `doc:${docId}#${chunk.id}`;
}

export type LibraryMode = "stall" | "fail" | "real";

/** Gives one tenant's object a library that never answers (`stall`), fails every call (`fail`), or the real one back. */
export async function bindLibrary(tenantId: string, mode: LibraryMode): Promise<void> {
  await runInDurableObject(tenantObject(tenantId), (instance) => {
    const holder = instance as unknown as { env: Env & { REAL_LIBRARY?: Env["LIBRARY"] } };
    const real = holder.env.REAL_LIBRARY ?? holder.env.LIBRARY;
    const answer = () => (mode === "stall" ? new Promise(() => {}) : Promise.reject(new Error("library: internal error")));
    const standIn = { idFromName: () => real.idFromName("library"), get: () => ({ search: answer, retrieve: answer }) };
    holder.env = { ...holder.env, REAL_LIBRARY: real, LIBRARY: mode === "real" ? real : standIn } as unknown as Env;
  });
}

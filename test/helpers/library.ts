import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { KnowledgeLibrary } from "../../durable-objects/knowledge/library-object";
import { knowledgeLibrary } from "../../durable-objects/knowledge/stub";

/** The shared library's documents (ids) and audit length, read in the object (it holds no tenant data). */
export async function libraryState(): Promise<{ ids: string[]; audit: number }> {
  return runInDurableObject(knowledgeLibrary(env), async (instance: KnowledgeLibrary) => {
    const list = instance.listDocuments();
    const audit = instance.auditEntries();
    if (!list.ok || !audit.ok) throw new Error("library read failed");
    return { ids: list.value.documents.map((d) => d.id), audit: audit.value.length };
  });
}

/** A word no other test uses, so searches see only this test's documents. */
export const uniqueWord = () => `zq${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;

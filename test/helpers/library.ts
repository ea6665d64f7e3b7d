import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
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

/** The loopback document host of test/global-setup.ts, which the tests' DOCUMENT_FETCH_ALLOW_ORIGINS admits. */
export const DOCUMENT_HOST = inject("documentHost");
export interface Program {
  status?: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  delayMs?: number;
  dribble?: { bytes: number; everyMs: number };
}

/** Programs `GET HOST/<name>`; returns its URL. */
export async function serve(name: string, program: Program): Promise<string> {
  const { body, ...rest } = program;
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : (body ?? new Uint8Array(0));
  const res = await fetch(`${DOCUMENT_HOST}/${name}`, { method: "PUT", body: JSON.stringify({ ...rest, body: base64(bytes) }) });
  if (res.status !== 204) throw new Error(`document host refused the program: ${res.status}`);
  return `${DOCUMENT_HOST}/${name}`;
}

export const hits = async (name: string) => Number(await (await fetch(`${DOCUMENT_HOST}/${name}?hits`)).text());

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

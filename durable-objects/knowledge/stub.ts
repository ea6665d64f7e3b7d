import type { KnowledgeLibrary } from "./library-object";

/** The one shared library instance, for the router (and, later, tenant objects that retrieve from it). */
export const LIBRARY_NAME = "library";

export function knowledgeLibrary(env: Env): DurableObjectStub<KnowledgeLibrary> {
  return env.LIBRARY.get(env.LIBRARY.idFromName(LIBRARY_NAME)) as DurableObjectStub<KnowledgeLibrary>;
}

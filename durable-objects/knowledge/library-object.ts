import { DurableObject } from "cloudflare:workers";
import { AppError } from "../../schemas/errors";
import type { LibraryDocument, LibraryDocumentDetail, LibraryDocumentList, LibrarySearchResults } from "../../schemas/library";
import type { RpcResult } from "../../schemas/rpc";
import type { RetrievedChunk } from "../../schemas/search";
import { Db } from "../tenant/data/db";
import { migrate } from "../tenant/data/migrations";
import { LIBRARY_MIGRATIONS } from "./data/migrations";
import { libraryAudit, type LibraryAuditEntry } from "./data/documents";
import { retrieveChunks } from "./retrieve";
import * as library from "./surface";

/**
 * The shared knowledge library: one object for the whole platform (`idFromName("library")`,
 * stub.ts), its own SQLite and full-text index, no tenant data. Platform operators write through
 * /v1/platform/library/…, members of any tenant read through /v1/library/…; the router decides who
 * may call which method (this object holds no memberships). One line per RPC; the work is in surface.ts.
 */
export class KnowledgeLibrary extends DurableObject<Env> {
  readonly #db: Db;
  #started = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = new Db(ctx.storage);
    // One start-up path: migrations before any call; a failure is kept, not thrown, and retried by the next call.
    void ctx.blockConcurrencyWhile(async () => {
      this.#start();
    });
  }

  createDocument(input: unknown, actor: string, requestId: string): RpcResult<LibraryDocument> {
    return this.#run(() => this.#indexLater(library.createDocument(this.#db, input, write(actor, requestId))));
  }

  putDocumentVersion(docId: string, input: unknown, actor: string, requestId: string): RpcResult<LibraryDocument> {
    return this.#run(() => this.#indexLater(library.putDocumentVersion(this.#db, docId, input, write(actor, requestId))));
  }

  /** One indexing step per alarm, so reads and writes run between steps; the next alarm while chunks wait. */
  override alarm(): void {
    if (!this.#start()) throw new Error("the knowledge library failed to start");
    if (library.indexStep(this.#db).pending) void this.ctx.storage.setAlarm(Date.now());
  }

  deleteDocument(docId: string, actor: string, requestId: string): RpcResult<null> {
    return this.#run(() => (library.deleteDocument(this.#db, docId, write(actor, requestId)), null));
  }

  listDocuments(): RpcResult<LibraryDocumentList> {
    return this.#run(() => library.listDocuments(this.#db));
  }

  readDocument(docId: string, version?: number): RpcResult<LibraryDocumentDetail> {
    return this.#run(() => library.readDocument(this.#db, docId, version));
  }

  search(query: unknown): RpcResult<LibrarySearchResults> {
    return this.#run(() => library.searchLibrary(this.#db, query));
  }

  /** Chunks with their text for a tenant object's copilot or brief (durable-objects/tenant/copilot/knowledge.ts). */
  retrieve(query: unknown): RpcResult<RetrievedChunk[]> {
    return this.#run(() => retrieveChunks(this.#db, query));
  }

  /** The platform writes, oldest first (tests and operators' tooling). */
  auditEntries(): RpcResult<LibraryAuditEntry[]> {
    return this.#run(() => libraryAudit.list(this.#db));
  }

  /** A document still `indexing` after its write: the alarm goes on with it. */
  #indexLater(doc: LibraryDocument): LibraryDocument {
    if (doc.status === "indexing") void this.ctx.storage.setAlarm(Date.now());
    return doc;
  }

  #start(): boolean {
    if (this.#started) return true;
    try {
      migrate(this.#db, undefined, LIBRARY_MIGRATIONS);
      this.#started = true;
    } catch (error) {
      console.error(
        JSON.stringify({ level: "error", object: "library", message: "library storage failed to start", error: String(error) }),
      );
    }
    return this.#started;
  }

  /** A value, or an AppError as data (RPC keeps only an Error's message); anything else is rethrown as a 500. */
  #run<T>(fn: () => T): RpcResult<T> {
    if (!this.#start()) return { ok: false, error: new AppError("not_ready", "the knowledge library failed to start").toData() };
    try {
      return { ok: true, value: fn() };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: error.toData() };
      throw error;
    }
  }
}

const write = (actor: string, requestId: string) => ({ actor, requestId, at: new Date().toISOString() });

import type { Note } from "../../../schemas/records";
import { clients } from "../data/clients";
import type { Db } from "../data/db";
import { jobs, type JobRow } from "../data/jobs";
import { properties } from "../data/properties";

/** How much of a job's title and description goes into the context of its records. */
const SUBJECT_CHARS = 400;

/** Cached lookups of the rows that give records their context (a question touches a few dozen). */
export class Lookup {
  readonly #db: Db;
  /** A property's client is named only to a caller who may see that client (it can differ from the job's). */
  readonly #mayNameClient: (pk: number) => boolean;
  readonly #jobs = new Map<string, JobRow | null>();
  readonly #clientNames = new Map<number, string>();
  readonly #properties = new Map<number, { clientPk: number | null; words: string }>();

  constructor(db: Db, mayNameClient: (pk: number) => boolean) {
    this.#db = db;
    this.#mayNameClient = mayNameClient;
  }

  remember(row: JobRow): void {
    this.#jobs.set(row.id, row);
  }

  job(id: string): JobRow | null {
    if (!this.#jobs.has(id)) this.#jobs.set(id, jobs.byId(this.#db, id));
    return this.#jobs.get(id) ?? null;
  }

  placeOfNote(n: Note): { jobId: string | null; clientPk: number | null; propertyPk: number | null } {
    if (n.jobId !== null) return { jobId: n.jobId, clientPk: null, propertyPk: null };
    if (n.clientId !== null) return { jobId: null, clientPk: clients.pkOf(this.#db, n.clientId), propertyPk: null };
    return {
      jobId: null,
      clientPk: null,
      propertyPk: n.propertyId === null ? null : (properties.refOf(this.#db, n.propertyId)?.pk ?? null),
    };
  }

  /**
   * One line per thing the record belongs to: for a record on a job, first the job's title and
   * description (flattened to one line, at most SUBJECT_CHARS); then the property's label and
   * address; then the client's name.
   */
  context(place: { jobId: string | null; clientPk: number | null; propertyPk: number | null }): string {
    let { clientPk, propertyPk } = place;
    const lines: string[] = [];
    if (place.jobId !== null) {
      const row = this.job(place.jobId);
      lines.push(row ? `${row.title} — ${row.description ?? ""}`.replace(/\s+/g, " ").slice(0, SUBJECT_CHARS) : "");
      if (row) {
        clientPk = row.client_pk;
        propertyPk = row.property_pk;
      }
    }
    if (propertyPk !== null) {
      const property = this.#property(propertyPk);
      clientPk ??= property.clientPk;
      if (property.words !== "") lines.push(property.words.replace(/\n/g, " "));
    }
    if (clientPk !== null && this.#mayNameClient(clientPk)) lines.push(this.#clientName(clientPk));
    return lines.join("\n");
  }

  #clientName(pk: number): string {
    if (!this.#clientNames.has(pk)) this.#clientNames.set(pk, clients.byPk(this.#db, pk)?.name ?? "");
    return this.#clientNames.get(pk) ?? "";
  }

  #property(pk: number): { clientPk: number | null; words: string } {
    let property = this.#properties.get(pk);
    if (!property) {
      const row = properties.byPk(this.#db, pk);
      property = {
        clientPk: row ? clients.pkOf(this.#db, row.clientId) : null,
        words: row ? [row.label ?? "", row.address].filter((s) => s !== "").join("\n") : "",
      };
      this.#properties.set(pk, property);
    }
    return property;
  }
}

import type { Connection, WSMessage } from "partyserver";
import type { Role } from "../../../schemas/common";
import { AppError, parseOr422 } from "../../../schemas/errors";
import { Caller, principalKey, type DevRole } from "../../../schemas/identity";
import { formatTicket, parseTicket, TICKET_TTL_SECONDS, type ConnectionState, type RealtimeTicket } from "../../../schemas/realtime";
import { tenantMeta } from "../data/meta";
import { isInitialised } from "../data/migrations";
import { streams } from "../data/streams";
import { tickets, type TicketIdentity } from "../data/tickets";
import type { CallContext, Guard } from "../guard";
import type { Runtime, SocketControl } from "../runtime";
import { COPILOT_COST } from "../surfaces/copilot";
import { AnswerStreams } from "./answers";
import { countMessage, MAX_STRIKES, readState } from "./connection-state";
import { planJobUpdates } from "./fanout";
import { Presence, type OpenSocket } from "./presence";
import { closeQuietly, errorFrame, parseClientFrame, refuseUpgrade, send } from "./protocol";
import { newTicketSecret, ticketHash } from "./tickets";

/** What the socket server needs from the object that hosts it (partyserver's Server). */
export interface SocketHost {
  /** Every open socket. */
  connections(): Iterable<Connection>;
  /** How many sockets are open (cheap: no state is read). */
  count(): number;
  /** Accepts the upgrade (partyserver creates the connection and calls `connected`). */
  accept(request: Request): Promise<Response>;
}

/**
 * The tenant's socket server (`/v1/realtime`): tickets, upgrades, inbound frames, and what the
 * surfaces ask of the open sockets (job updates, closing a member's or everyone's sockets). Every
 * upgrade, ask and resume passes the same guard as a REST call: the object alone decides who a
 * socket belongs to and whether it may still ask.
 */
export class RealtimeHub implements SocketControl {
  readonly #rt: Runtime;
  readonly #guard: Guard;
  readonly #host: SocketHost;
  readonly #answers: AnswerStreams;
  readonly #presence: Presence;
  /** Identities of sockets being opened, by connection id: set by `upgrade`, taken by `connected`. */
  readonly #opening = new Map<string, TicketIdentity & { role: Role }>();
  #lastPurgeMs = 0;

  constructor(rt: Runtime, guard: Guard, host: SocketHost) {
    this.#rt = rt;
    this.#guard = guard;
    this.#host = host;
    this.#answers = new AnswerStreams(rt, () => this.#purge(Date.now()));
    this.#presence = new Presence(
      (excluding) => this.#sockets(excluding),
      () => host.connections(),
      (error) => this.#guard.failure(error),
    );
  }

  /** A single-use ticket (≤ 60 s) that opens one socket for this caller; only its hash is kept. */
  async issueTicket(c: CallContext): Promise<RealtimeTicket> {
    const secret = newTicketSecret();
    const hash = await ticketHash(secret);
    const nowMs = Date.now();
    const expiresAtMs = nowMs + TICKET_TTL_SECONDS * 1000;
    tickets.put(this.#rt.db, hash, { issuer: c.caller.issuer, subject: c.caller.subject, devRole: c.caller.devRole }, expiresAtMs);
    this.#purge(nowMs);
    return { ticket: formatTicket(c.meta.id, c.meta.region, secret), expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /**
   * An upgrade (the router forwards `GET /v1/realtime?ticket=…`). The ticket is consumed and the
   * identity checked by the guard, and a refusal is an HTTP answer BEFORE any upgrade. The
   * identity reaches `connected` through #opening, keyed by a connection id chosen here
   * (partyserver reads it from `_pk`); the ticket is removed from the URL partyserver keeps in
   * the attachment. Anything else is not an endpoint of this object.
   */
  async upgrade(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return refuseUpgrade(new AppError("not_found", "not found"));
    const url = new URL(request.url);
    let opening: TicketIdentity & { role: Role };
    try {
      this.#rt.start();
      const parsed = parseTicket(url.searchParams.get("ticket") ?? "");
      const invalid = new AppError("unauthenticated", "the ticket is invalid, used or expired");
      const meta = isInitialised(this.#rt.db) ? tenantMeta.get(this.#rt.db) : null;
      if (!parsed || !meta || meta.id !== parsed.tenantId) throw invalid;
      const who = tickets.consume(this.#rt.db, await ticketHash(parsed.secret), Date.now());
      if (!who) throw invalid;
      const caller = socketCaller(who, request.headers.get("x-request-id") ?? crypto.randomUUID());
      opening = { ...who, role: this.#guard.authorize(caller, "jobs.read", 1, {}).role };
    } catch (error) {
      return refuseUpgrade(this.#asAppError(error));
    }
    const connectionId = crypto.randomUUID();
    this.#opening.set(connectionId, opening);
    const target = new URL(url.origin + url.pathname);
    target.searchParams.set("_pk", connectionId);
    try {
      return await this.#host.accept(new Request(target, { headers: request.headers }));
    } finally {
      this.#opening.delete(connectionId);
    }
  }

  connected(connection: Connection): void {
    const who = this.#opening.get(connection.id);
    if (!who) return closeQuietly(connection, 1011, "connection identity missing");
    const now = Date.now();
    const state: ConnectionState = {
      v: 1,
      issuer: who.issuer,
      subject: who.subject,
      role: who.role,
      ...(who.devRole === null ? {} : { devRole: who.devRole }),
      connectedAt: now,
      msgWindowStart: now,
      msgCount: 0,
      strikes: 0,
    };
    connection.setState(state);
    this.#presence.joined(connection, state);
  }

  /**
   * A socket closed. A peer's Close frame without a status code (what `ws.close()` sends) arrives
   * as 1005, which partyserver does not reciprocate (it treats 1005 like a lost transport); the
   * peer would then wait for its own close timeout. Answering with 1000 completes the handshake.
   */
  closed(connection: Connection, code: number): void {
    this.#presence.left(connection, readState(connection));
    if (code === 1005) closeQuietly(connection, 1000, "");
  }

  /** One inbound frame. Nothing may escape: partyserver does not await a rejected onMessage into its own catch. */
  async message(connection: Connection, message: WSMessage): Promise<void> {
    try {
      this.#rt.start();
      await this.#message(connection, message);
    } catch (error) {
      send(connection, errorFrame(this.#asAppError(error)));
    }
  }

  async #message(connection: Connection, message: WSMessage): Promise<void> {
    let state = readState(connection);
    if (!state) return closeQuietly(connection, 1011, "connection state unreadable");
    const counted = countMessage(state, Date.now());
    state = counted.state;
    if (!counted.admitted)
      return this.#strike(connection, state, undefined, new AppError("rate_limited", "too many messages on this connection"));
    const parsed = parseClientFrame(message);
    if (state.strikes > 0) state = { ...state, strikes: 0 };
    connection.setState(state);
    if (!parsed.ok) return void send(connection, errorFrame(parsed.error, parsed.id));
    const msg = parsed.message;
    const principal = principalKey(state);
    if (msg.type === "cancel") return this.#answers.cancel(connection, principal, msg.id);
    const ctx = this.#authorize(connection, state, msg.id, msg.type === "resume" ? 1 : COPILOT_COST);
    if (!ctx) return;
    if (msg.type === "resume") return this.#answers.resume(connection, principal, msg);
    if (msg.type === "brief") return this.#answers.brief(connection, ctx, msg);
    await this.#answers.ask(connection, ctx, msg);
  }

  /**
   * Every ask, brief and resume re-checks the authority (membership, role, suspension) and the per-user
   * rate limit. A refused member or suspended tenant gets an error and the socket closes (1008);
   * a rate refusal is a strike.
   */
  #authorize(connection: Connection, state: ConnectionState, id: string, cost: number): CallContext | null {
    try {
      return this.#guard.authorize(socketCaller(state, `ws:${connection.id}`), "copilot.ask", cost, {});
    } catch (caught) {
      const error = this.#asAppError(caught);
      if (error.code === "rate_limited") {
        this.#strike(connection, state, id, error);
        return null;
      }
      send(connection, errorFrame(error, id));
      if (error.code === "not_a_member" || error.code === "tenant_suspended" || error.code === "not_found") {
        this.#close(connection, error.code === "tenant_suspended" ? "tenant suspended" : "membership revoked");
      }
      return null;
    }
  }

  /** A refusal for rate: MAX_STRIKES in a row close the socket. */
  #strike(connection: Connection, state: ConnectionState, id: string | undefined, error: AppError): void {
    const next = { ...state, strikes: state.strikes + 1 };
    connection.setState(next);
    send(connection, errorFrame(error, id));
    if (next.strikes >= MAX_STRIKES) this.#close(connection, "rate limit exceeded");
  }

  #close(connection: Connection, reason: string): void {
    closeQuietly(connection, 1008, reason);
    this.#presence.left(connection, readState(connection));
  }

  /**
   * Sends `job.updated` right after the current call returns, so a write's response never waits
   * for the fan-out (measured: a PATCH took 180–260 ms with 1,000 sockets when it did). The
   * recipients are the sockets open when the write committed, not ones that connect afterwards.
   */
  notifyJobsUpdated(jobIds: readonly string[]): void {
    if (jobIds.length === 0 || this.#host.count() === 0) return;
    const open = new Set<string>();
    for (const connection of this.#host.connections()) open.add(connection.id);
    setTimeout(() => this.#sendJobUpdates(jobIds, open), 0);
  }

  /**
   * `job.updated` to every socket whose user may see the job now, and to nobody else. Called after
   * the write committed; never throws, so a failing notification cannot affect the write.
   */
  #sendJobUpdates(jobIds: readonly string[], recipients: ReadonlySet<string>): void {
    try {
      const sockets = this.#sockets().filter((s) => recipients.has(s.id));
      const roles = new Map<string, Role | null>();
      const plan = planJobUpdates(this.#rt.db, jobIds, sockets, (state) => {
        const key = principalKey(state);
        if (!roles.has(key)) {
          const m = this.#guard.membership({ issuer: state.issuer, subject: state.subject, devRole: state.devRole ?? null });
          roles.set(key, "refused" in m ? null : m.role);
        }
        return roles.get(key) ?? null;
      });
      for (const s of sockets) for (const jobId of plan.get(s.id) ?? []) send(s.connection, { type: "job.updated", jobId });
    } catch (error) {
      this.#guard.failure(error);
    }
  }

  closeSocketsOf(issuer: string, subject: string, reason: string): number {
    return this.#closeSockets((s) => s.issuer === issuer && s.subject === subject, reason);
  }

  closeAll(reason: string): number {
    return this.#closeSockets(() => true, reason);
  }

  /** Closes matching sockets with 1008 (and stops their running answers); returns how many. */
  #closeSockets(match: (state: ConnectionState) => boolean, reason: string): number {
    let closed = 0;
    try {
      for (const s of this.#sockets()) {
        if (!match(s.state)) continue;
        this.#close(s.connection, reason);
        closed++;
        this.#answers.stopRunningOf(principalKey(s.state));
      }
    } catch (error) {
      this.#guard.failure(error);
    }
    return closed;
  }

  /** Open sockets with a readable state (a malformed one is closed with 1011 on the way). */
  #sockets(excluding?: string): OpenSocket[] {
    const out: OpenSocket[] = [];
    for (const connection of this.#host.connections()) {
      if (connection.id === excluding) continue;
      const state = readState(connection);
      if (!state) {
        closeQuietly(connection, 1011, "connection state unreadable");
        continue;
      }
      out.push({ id: connection.id, state, connection });
    }
    return out;
  }

  /** Expired tickets and old answers go, at most once a minute (bounded tables, no alarm needed). */
  #purge(nowMs: number): void {
    if (nowMs - this.#lastPurgeMs < 60_000) return;
    this.#lastPurgeMs = nowMs;
    tickets.prune(this.#rt.db, nowMs);
    streams.purge(this.#rt.db, nowMs);
  }

  /** Any failure as an AppError: an AppError as it is, anything else logged and answered as `internal`. */
  #asAppError(error: unknown): AppError {
    return error instanceof AppError ? error : AppError.fromData(this.#guard.failure(error));
  }
}

/** Caller for a socket's identity; `requestId` ties its audit entries to the connection. */
function socketCaller(who: { issuer: string; subject: string; devRole?: DevRole | null | undefined }, requestId: string): Caller {
  return parseOr422(Caller, { issuer: who.issuer, subject: who.subject, email: null, devRole: who.devRole ?? null, requestId });
}

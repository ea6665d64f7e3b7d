import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Db } from "../../durable-objects/tenant/data/db";
import { tickets } from "../../durable-objects/tenant/data/tickets";
import { newTicketSecret, ticketHash } from "../../durable-objects/tenant/realtime/tickets";
import { CopilotAnswer } from "../../schemas/copilot";
import { formatTicket } from "../../schemas/realtime";
import { createApp } from "../../src/app";
import { call } from "../helpers/api";
import { putSettings } from "../helpers/settings";
import { tamper, tenantObject } from "../helpers/storage";
import { connect, ticketFor, upgrade, type Client, type Frame } from "../helpers/socket";
import { keys, userToken } from "../helpers/tokens";
import { basicData, createTenant, ingestAs, operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

async function world(prefix: string): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  return cast;
}

const joined = (frames: Frame[]) => frames.map((f) => f.text as string).join("");

describe("realtime tickets", () => {
  it("issues a ticket bound to the tenant that opens exactly one socket", async () => {
    const cast = await world("rt-tk");
    const res = await call("/v1/realtime/ticket", { method: "POST", token: cast.technician });
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatch(new RegExp(`^${cast.tenantId}\\.us\\.[A-Za-z0-9_-]{43}$`));
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const first = await upgrade(`/v1/realtime?ticket=${res.body.ticket}`);
    expect(first.status).toBe(101);
    const again = await upgrade(`/v1/realtime?ticket=${res.body.ticket}`);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ status: 401, code: "unauthenticated" });
    expect(again.headers.get("www-authenticate")).toContain("Bearer");
    first.client?.close();
  });

  it("refuses an expired ticket with 401", async () => {
    const cast = await world("rt-exp");
    const secret = newTicketSecret();
    const hash = await ticketHash(secret);
    await runInDurableObject(tenantObject(cast.tenantId), async (_i, state) => {
      tickets.put(new Db(state.storage), hash, { issuer: keys.issuer, subject: cast.subjects.technician, devRole: null }, Date.now() - 1);
    });
    const res = await upgrade(`/v1/realtime?ticket=${formatTicket(cast.tenantId, "us", secret)}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("unauthenticated");
  });

  it("refuses malformed tickets with a 401 problem", async () => {
    const secret = newTicketSecret();
    for (const bad of [
      "",
      "x",
      `acme.us.${secret}.x`,
      `acme.mars.${secret}`,
      `ACME.us.${secret}`,
      `acme.us.${secret.slice(1)}`,
      `acme.us.${secret.slice(1)}!`,
    ]) {
      const res = await upgrade(`/v1/realtime?ticket=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(401);
      expect(res.body).toMatchObject({ code: "unauthenticated", status: 401 });
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("refuses a ticket presented to another tenant", async () => {
    const a = await world("rt-a");
    const b = await createTenant("rt-b");
    const ticket = await ticketFor(a.technician);
    const secret = ticket.split(".")[2] as string;
    const res = await upgrade(`/v1/realtime?ticket=${formatTicket(b, "us", secret)}`);
    expect(res.status).toBe(401);
    // The genuine ticket is unaffected by the forged attempt.
    const ok = await upgrade(`/v1/realtime?ticket=${ticket}`);
    expect(ok.status).toBe(101);
    ok.client?.close();
  });

  it("refuses a ticket whose member was suspended before the socket opened (403, nothing upgraded)", async () => {
    const cast = await world("rt-susp");
    const ticket = await ticketFor(cast.technician);
    await tamper(cast.tenantId, `UPDATE members SET status = 'suspended' WHERE subject = ?`, cast.subjects.technician);
    const res = await upgrade(`/v1/realtime?ticket=${ticket}`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("not_a_member");
  });

  it("gives the service identity no ticket (it reads no jobs)", async () => {
    const cast = await world("rt-svc");
    const res = await call("/v1/realtime/ticket", { method: "POST", token: cast.service });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
  });
});

describe("realtime upgrade edge", () => {
  it("answers 400 to a plain GET and 401 without any credential", async () => {
    const plain = await call("/v1/realtime");
    expect(plain.status).toBe(401);
    const ticketNoUpgrade = await call(`/v1/realtime?ticket=x`);
    expect(ticketNoUpgrade.status).toBe(400);
    expect(ticketNoUpgrade.body.code).toBe("bad_request");
    const anonymous = await upgrade("/v1/realtime");
    expect(anonymous.status).toBe(401);
  });

  it("opens a socket with the REST credentials (one path: the router fetches a ticket for it)", async () => {
    const cast = await world("rt-cred");
    const res = await upgrade("/v1/realtime", { authorization: `Bearer ${cast.technician}` });
    expect(res.status).toBe(101);
    const client = res.client as Client;
    await client.until((c) => c.of("presence").length > 0, "presence");
    expect(client.of("presence")[0]?.online).toEqual([cast.subjects.technician]);
    client.close();
  });

  it("refuses REST credentials of someone who is not a member (403)", async () => {
    await world("rt-nm");
    const stranger = await userToken(uniqueId("stranger"));
    const res = await upgrade("/v1/realtime", { authorization: `Bearer ${stranger}` });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("not_a_member");
  });

  it("checks Origin against ALLOWED_ORIGINS when it is set", async () => {
    const cast = await world("rt-origin");
    const app = createApp();
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const configured = { ...env, ALLOWED_ORIGINS: "https://app.fieldpilot.dev, https://admin.fieldpilot.dev" };
    const viaApp = (r: Request) => Promise.resolve(app.fetch(r, configured, ctx));
    const evil = await upgrade(`/v1/realtime?ticket=${await ticketFor(cast.technician)}`, { origin: "https://evil.example" }, viaApp);
    expect(evil.status).toBe(403);
    expect(evil.body.code).toBe("forbidden");
    const good = await upgrade(
      `/v1/realtime?ticket=${await ticketFor(cast.technician)}`,
      { origin: "https://admin.fieldpilot.dev" },
      viaApp,
    );
    expect(good.status).toBe(101);
    good.client?.close();
  });
});

describe("realtime copilot", () => {
  it("streams deltas then one answer whose text is exactly the deltas joined", async () => {
    const cast = await world("rt-ask");
    const client = await connect(cast.technician);
    client.send({ type: "ask", id: "q1", question: "What was replaced on the condenser fan?" });
    const outcome = await client.outcome("q1");
    expect(outcome.type).toBe("answer");
    const { type: _t, id: _i, ...answer } = outcome;
    expect(CopilotAnswer.safeParse(answer).success).toBe(true);
    expect(outcome.grounded).toBe(true);
    expect(outcome.citations[0]).toMatchObject({ ref: "note:N1", jobId: "J1" });
    const deltas = client.of("delta", "q1");
    expect(deltas.length).toBeGreaterThan(1);
    expect(joined(deltas)).toBe(outcome.answer);
    expect(client.of("answer")).toHaveLength(1);
    // Stored like a REST answer: the thread is the caller's.
    const thread = await call(`/v1/copilot/threads/${outcome.threadId}`, { token: cast.technician });
    expect(thread.status).toBe(200);
    expect(thread.body.messageList.at(-1)).toMatchObject({ id: outcome.messageId, content: outcome.answer });
    client.close();
  });

  it("never streams what the caller may not read, and answers not_found for a hidden job", async () => {
    const cast = await world("rt-leak");
    const client = await connect(cast.technician);
    client.send({ type: "ask", id: "gate", question: "What is the gate code for the rooftop access?" });
    client.send({ type: "ask", id: "hidden", question: "gate code?", jobId: "J2" });
    await client.outcome("gate");
    const hidden = await client.outcome("hidden");
    expect(hidden).toMatchObject({ type: "error", code: "not_found" });
    expect(JSON.stringify(client.frames)).not.toContain("4411");
    expect(JSON.stringify(client.frames)).not.toContain("zzn2");
    client.close();
  });

  it("answers malformed and oversized frames with errors and keeps the socket open", async () => {
    const cast = await world("rt-bad");
    const client = await connect(cast.dispatcher);
    client.send("not json");
    client.send({ type: "ask", id: "m1" });
    client.send({ type: "launch", id: "m2" });
    client.send({ type: "ask", id: "m3", question: "x", extra: true });
    client.send({ type: "resume", id: "m4", after: -1 });
    client.send({ type: "cancel", id: "bad id with spaces" });
    client.ws.send(new Uint8Array([1, 2, 3]));
    client.send(JSON.stringify({ type: "ask", id: "big", question: "x".repeat(70_000) }));
    await client.until((c) => c.of("error").length >= 8, "eight errors");
    const codes = client.of("error").map((f) => f.code);
    expect(codes).toEqual([
      "bad_message",
      "bad_message",
      "bad_message",
      "bad_message",
      "bad_message",
      "bad_message",
      "bad_message",
      "too_large",
    ]);
    expect(client.of("error")[1]).toMatchObject({ id: "m1" });
    expect(client.of("error")[1]?.message).toContain("question");
    expect(client.closed).toBeNull();
    client.send({ type: "ask", id: "ok", question: "condenser fan motor?" });
    expect((await client.outcome("ok")).type).toBe("answer");
    client.close();
  });

  it("refuses a flood with rate_limited errors, then closes the socket with 1008", async () => {
    const cast = await world("rt-flood");
    const client = await connect(cast.dispatcher);
    for (let i = 0; i < 40; i++) client.send({ type: "cancel", id: `c${i}` });
    const closed = await client.closedWith();
    expect(closed.code).toBe(1008);
    expect(client.of("error").filter((f) => f.code === "unknown_id")).toHaveLength(30);
    expect(client.of("error").filter((f) => f.code === "rate_limited")).toHaveLength(3);
  });

  it("cancels a running answer: a cancelled error instead of the answer, and nothing stored", async () => {
    const cast = await world("rt-cancel");
    const client = await connect(cast.technician);
    client.send({ type: "ask", id: "k1", question: "What was replaced on the condenser fan?" });
    client.send({ type: "cancel", id: "k1" });
    const outcome = await client.outcome("k1");
    expect(outcome).toMatchObject({ type: "error", id: "k1", code: "cancelled" });
    expect(client.of("answer")).toHaveLength(0);
    const threads = await call("/v1/copilot/threads", { token: cast.technician });
    expect(threads.body.threads).toEqual([]);
    // The id may be used again for a new question.
    client.send({ type: "ask", id: "k1", question: "What was replaced on the condenser fan?" });
    await client.until((c) => c.of("answer", "k1").length === 1, "second answer");
    client.close();
  });

  it("resumes an answer on a new socket after a dropped one: the rest exactly once", async () => {
    const cast = await world("rt-resume");
    const first = await connect(cast.technician);
    first.send({ type: "ask", id: "r1", question: "What was replaced on the condenser fan?" });
    const answer = await first.outcome("r1");
    const all = first.of("delta", "r1").map((f) => f.text as string);
    expect(all.length).toBeGreaterThan(2);
    const k = 2;
    first.close();

    const second = await connect(cast.technician);
    second.send({ type: "resume", id: "r1", after: k });
    const resumed = await second.outcome("r1");
    expect(resumed).toEqual(answer);
    const rest = second.of("delta", "r1").map((f) => f.text as string);
    expect(all.slice(0, k).join("") + rest.join("")).toBe(answer.answer);
    expect(rest).toHaveLength(all.length - k);

    // Another user cannot resume it; an unknown id is unknown; `after` beyond the deltas is refused.
    const other = await connect(cast.dispatcher);
    other.send({ type: "resume", id: "r1", after: 0 });
    expect(await other.outcome("r1")).toMatchObject({ type: "error", code: "unknown_id" });
    second.send({ type: "resume", id: "nope", after: 0 });
    expect(await second.outcome("nope")).toMatchObject({ type: "error", code: "unknown_id" });
    second.send({ type: "resume", id: "r1", after: all.length + 1 });
    await second.until((c) => c.of("error", "r1").length === 1, "bad after");
    expect(second.of("error", "r1")[0]?.code).toBe("bad_message");
    second.close();
    other.close();
  });
});

describe("realtime presence and pushes", () => {
  it("broadcasts presence on join and leave", async () => {
    const cast = await world("rt-pres");
    const a = await connect(cast.technician);
    expect(a.of("presence").at(-1)?.online).toEqual([cast.subjects.technician]);
    const b = await connect(cast.dispatcher);
    const both = [cast.subjects.technician, cast.subjects.dispatcher].sort();
    await a.until((c) => c.of("presence").length >= 2, "second presence");
    expect(a.of("presence").at(-1)?.online).toEqual(both);
    expect(b.of("presence").at(-1)?.online).toEqual(both);
    b.close();
    await a.until((c) => c.of("presence").length >= 3, "presence after leave");
    expect(a.of("presence").at(-1)?.online).toEqual([cast.subjects.technician]);
    a.close();
  });

  it("pushes job.updated only to users who may see the job", async () => {
    const cast = await world("rt-push");
    const tech = await connect(cast.technician);
    const tech2 = await connect(cast.otherTechnician);
    const disp = await connect(cast.dispatcher);
    const audit = await connect(cast.auditor);
    const updates = (c: Client) => c.of("job.updated").map((f) => f.jobId);

    expect((await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { status: "in_progress" } })).status).toBe(200);
    expect((await call("/v1/jobs/J2/notes", { token: cast.dispatcher, body: { body: "Roof hatch fixed" } })).status).toBe(201);
    await ingestAs(cast.dispatcher, cast.tenantId, { events: [{ id: "E9", jobId: "J1", type: "arrived", at: "2026-10-03T09:00:00Z" }] });
    // Replaying an unchanged batch changes nothing and pushes nothing.
    await ingestAs(cast.dispatcher, cast.tenantId, { events: [{ id: "E9", jobId: "J1", type: "arrived", at: "2026-10-03T09:00:00Z" }] });

    await disp.until((c) => c.of("job.updated").length >= 3, "dispatcher pushes");
    await audit.until((c) => c.of("job.updated").length >= 3, "auditor pushes");
    await tech2.until((c) => c.of("job.updated").length >= 1, "tech2 push");
    await tech.until((c) => c.of("job.updated").length >= 2, "tech pushes");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(updates(disp)).toEqual(["J1", "J2", "J1"]);
    expect(updates(audit)).toEqual(["J1", "J2", "J1"]);
    expect(updates(tech)).toEqual(["J1", "J1"]);
    expect(updates(tech2)).toEqual(["J2"]);
    for (const c of [tech, tech2, disp, audit]) c.close();
  });

  it("follows reassignment: a job moved to another technician is pushed to them, not to the old one", async () => {
    const cast = await world("rt-reassign");
    const tech = await connect(cast.technician);
    const tech2 = await connect(cast.otherTechnician);
    const res = await call("/v1/jobs/J1", {
      method: "PATCH",
      token: cast.dispatcher,
      body: { assignees: [cast.subjects.otherTechnician] },
    });
    expect(res.status).toBe(200);
    await tech2.until((c) => c.of("job.updated").length === 1, "push to the new assignee");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tech.of("job.updated")).toEqual([]);
    tech.close();
    tech2.close();
  });
});

describe("realtime revocation", () => {
  it("closes a removed member's sockets with 1008, and only theirs", async () => {
    const cast = await world("rt-revoke");
    const tech = await connect(cast.technician);
    const disp = await connect(cast.dispatcher);
    const res = await call(`/v1/admin/members/${cast.subjects.technician}`, { method: "DELETE", token: cast.admin });
    expect(res.status).toBe(204);
    expect((await tech.closedWith()).code).toBe(1008);
    await disp.until((c) => c.of("presence").at(-1)?.online.length === 1, "presence without the technician");
    expect(disp.closed).toBeNull();
    disp.close();
  });

  it("closes a suspended member's sockets, and a demoted one's (they reconnect as what they are now)", async () => {
    const cast = await world("rt-suspend");
    const tech = await connect(cast.technician);
    const disp = await connect(cast.dispatcher);
    const suspended = await call(`/v1/admin/members/${cast.subjects.technician}`, {
      method: "PATCH",
      token: cast.admin,
      body: { status: "suspended" },
    });
    expect(suspended.status).toBe(200);
    expect((await tech.closedWith()).code).toBe(1008);
    const demoted = await call(`/v1/admin/members/${cast.subjects.dispatcher}`, {
      method: "PATCH",
      token: cast.admin,
      body: { role: "technician" },
    });
    expect(demoted.status).toBe(200);
    expect((await disp.closedWith()).code).toBe(1008);
    const again = await connect(cast.dispatcher);
    again.send({ type: "ask", id: "a1", question: "condenser fan motor?" });
    expect(await again.outcome("a1")).toMatchObject({ type: "answer" });
    again.close();
  });

  it("re-checks membership on every ask: a suspended member gets an error and a 1008 close", async () => {
    const cast = await world("rt-recheck");
    const tech = await connect(cast.technician);
    await tamper(cast.tenantId, `UPDATE members SET status = 'suspended' WHERE subject = ?`, cast.subjects.technician);
    tech.send({ type: "ask", id: "a1", question: "condenser fan motor?" });
    expect(await tech.outcome("a1")).toMatchObject({ type: "error", code: "not_a_member" });
    expect((await tech.closedWith()).code).toBe(1008);
  });

  it("closes every socket with 1008 when the tenant is suspended", async () => {
    const cast = await world("rt-tsusp");
    const tech = await connect(cast.technician);
    const disp = await connect(cast.dispatcher);
    const res = await call(`/v1/platform/tenants/${cast.tenantId}/suspend`, { method: "POST", token: await operatorToken() });
    expect(res.status).toBe(200);
    expect((await tech.closedWith()).code).toBe(1008);
    expect((await disp.closedWith()).code).toBe(1008);
  });
});

describe("realtime hibernation", () => {
  it("keeps working after the object is evicted: identity, window and finished answers survive", async () => {
    const cast = await world("rt-evict");
    const client = await connect(cast.technician);
    client.send({ type: "ask", id: "e1", question: "What was replaced on the condenser fan?" });
    const before = await client.outcome("e1");
    expect(before.type).toBe("answer");
    const deltas = client.of("delta", "e1");

    await evictDurableObject(tenantObject(cast.tenantId));

    client.send({ type: "ask", id: "e2", question: "What was replaced on the condenser fan?" });
    const after = await client.outcome("e2");
    expect(after.type).toBe("answer");
    expect(after.answer).toBe(before.answer);
    // A finished answer resumes from SQLite after the eviction.
    client.send({ type: "resume", id: "e1", after: 1 });
    await client.until((c) => c.of("answer", "e1").length === 2, "resumed answer");
    expect(joined(client.of("delta", "e1").slice(deltas.length))).toBe(joined(deltas.slice(1)));
    // Pushes still reach the socket.
    expect((await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { priority: "urgent" } })).status).toBe(200);
    await client.until((c) => c.of("job.updated").length === 1, "push after eviction");
    client.close();
  });

  it("keeps answers of a metadata-only tenant in memory only", async () => {
    const cast = await world("rt-meta");
    expect((await putSettings(cast.admin, cast.tenantId, { dataMode: "metadata-only" })).dataMode).toBe("metadata-only");
    const client = await connect(cast.technician);
    client.send({ type: "ask", id: "m1", question: "What was replaced on the condenser fan?" });
    await client.outcome("m1");
    client.send({ type: "resume", id: "m1", after: 0 });
    await client.until((c) => c.of("answer", "m1").length === 2, "resume from memory");
    await evictDurableObject(tenantObject(cast.tenantId));
    client.send({ type: "resume", id: "m1", after: 0 });
    await client.until((c) => c.of("error", "m1").length === 1, "unknown after eviction");
    expect(client.of("error", "m1")[0]?.code).toBe("unknown_id");
    client.close();
  });

  it("closes a socket whose attachment no longer parses with 1011", async () => {
    const cast = await world("rt-attach");
    const client = await connect(cast.technician);
    await runInDurableObject(tenantObject(cast.tenantId), (instance) => {
      for (const connection of (instance as unknown as { getConnections(): Iterable<{ setState(s: unknown): void }> }).getConnections()) {
        connection.setState({ v: 1, issuer: 42 });
      }
    });
    client.send({ type: "resume", id: "x", after: 0 });
    expect((await client.closedWith()).code).toBe(1011);
  });
});

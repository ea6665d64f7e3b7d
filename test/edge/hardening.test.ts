import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { audit } from "../../durable-objects/tenant/data/audit";
import { Db } from "../../durable-objects/tenant/data/db";
import { MAX_SCOPE_TOKENS } from "../../durable-objects/tenant/data/search";
import { principalKey } from "../../schemas/identity";
import { call } from "../helpers/api";
import { callWithEnv } from "../helpers/edge";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { tenantObject } from "../helpers/storage";
import { keys } from "../helpers/tokens";
import { basicData, ingestAs, operatorToken, tenantWithCast, uniqueId } from "../helpers/world";

/** Behaviours added after a hostile review of the foundation; each names the attack it closes. */
describe("hardening", () => {
  it("never answers 500 to sloppy JSON content types", async () => {
    const cast = await tenantWithCast("ctype");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    // The route declares an application/json body; @hono/zod-openapi's media-type gate accepts
    // `application/json` (any case, optionally `+json`-suffixed) followed only by complete
    // `; name=value` parameters, and answers 415 to anything else before the body is read.
    const expected: [contentType: string, status: 201 | 415][] = [
      ["application/json", 201],
      ["application/json; charset=utf-8", 201],
      ["APPLICATION/JSON", 201],
      ["application/json;", 415],
      ["application/json; charset", 415],
      ["application/json2+json", 415],
      ["text/plain", 415],
    ];
    for (const [type, status] of expected) {
      const res = await call("/v1/jobs/J1/notes", {
        token: cast.dispatcher,
        rawBody: JSON.stringify({ body: `x ${type}` }),
        headers: { "content-type": type },
      });
      if (status === 201) expectOk(res, 201);
      else expectProblem(res, 415, "unsupported_media_type");
    }
    // Only the accepted bodies were written.
    const context = await call<{ notes: { body: string }[] }>("/v1/jobs/J1/context", { token: cast.dispatcher });
    const written = expectOk(context).notes.map((n) => n.body);
    for (const [type, status] of expected) expect(written.includes(`x ${type}`), type).toBe(status === 201);
  });

  it("refuses deeply nested event data with 422 instead of overflowing the stack", async () => {
    const cast = await tenantWithCast("deep");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const data = `{"x":${"[".repeat(6000)}1${"]".repeat(6000)}}`;
    const rawBody = `{"events":[{"id":"E9","jobId":"J1","type":"t","at":"2026-01-01T00:00:00Z","data":${data}}]}`;
    const res = await call("/v1/ingest", { token: cast.dispatcher, rawBody, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toContainEqual({ path: "events[0].data", message: "must nest at most 32 levels" });
  });

  it("rate-limits denied calls too, so a member cannot grow the audit log without bound", async () => {
    const cast = await tenantWithCast("denyflood");
    // Within one rate window; the admin's PUT costs the admin, not the technician.
    await untilRateWindowHasRoom();
    await putSettings(cast.admin, cast.tenantId, { rateLimits: { userPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call("/v1/admin/audit", { token: cast.technician })).status);
    expect(statuses).toEqual([403, 403, 403, ...Array<number>(9).fill(429)]);
    const log = await call<{ entries: { outcome: string; actor: string }[] }>("/v1/admin/audit?limit=500", { token: cast.admin });
    const denied = expectOk(log).entries.filter((e) => e.outcome === "denied");
    // One entry per denied call, none for the refused ones.
    expect(denied.map((e) => e.actor)).toEqual(
      Array<string>(3).fill(principalKey({ issuer: keys.issuer, subject: cast.subjects.technician })),
    );
  });

  it("fails closed on dev auth in any environment not named as local", async () => {
    const cast = await tenantWithCast("devenv");
    for (const ENVIRONMENT of ["Production", "prod", "staging", "", "PRODUCTION"]) {
      const res = await callWithEnv({ ALLOW_DEV_AUTH: "1", ENVIRONMENT }, "/v1/me", {
        headers: { "x-user-id": "someone", "x-user-role": "admin", "x-tenant-id": cast.tenantId },
      });
      expect(res.status).toBe(401);
    }
  });

  it("answers 200 for an unchanged member and keeps a stored e-mail when none is sent", async () => {
    const cast = await tenantWithCast("memb");
    const token = await operatorToken();
    const subject = uniqueId("m");
    const path = `/v1/platform/tenants/${cast.tenantId}/members`;
    expect((await call(path, { token, body: { subject, role: "technician", issuer: keys.issuer, email: "m@example.com" } })).status).toBe(
      201,
    );
    const again = await call(path, { token, body: { subject, role: "technician", issuer: keys.issuer } });
    expect(again.status).toBe(200);
    expect(again.body.email).toBe("m@example.com");
  });

  it("lets only callers who see everything choose note ids (no probing for hidden ids)", async () => {
    const cast = await tenantWithCast("noteid");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const probe = await call("/v1/jobs/J1/notes", { token: cast.technician, body: { id: "N2", body: "x" } });
    expect(probe.status).toBe(422);
    expect(probe.body.errors).toEqual([{ path: "id", message: "may not be set by this role" }]);
    const server = await call("/v1/jobs/J1/notes", { token: cast.technician, body: { body: "on site" } });
    expect(server.status).toBe(201);
    expect(server.body.id).toMatch(/^N-[0-9a-f-]{36}$/);
    expect((await call("/v1/jobs/J1/notes", { token: cast.dispatcher, body: { id: "N-mine", body: "x" } })).status).toBe(201);
    expect((await call("/v1/jobs/J1/notes", { token: cast.dispatcher, body: { id: "N2", body: "x" } })).status).toBe(409);
  });

  it("refuses times that leave years 0000-9999 in UTC at the router", async () => {
    const cast = await tenantWithCast("year");
    const res = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: {
        clients: [{ id: "C1", name: "c" }],
        jobs: [{ id: "J1", clientId: "C1", title: "t", status: "scheduled", scheduledStart: "9999-12-31T23:59:59-23:59" }],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe("jobs[0].scheduledStart");
  });

  it("refuses moving a property to another client while jobs of its client use it", async () => {
    const cast = await tenantWithCast("propmove");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const res = await call("/v1/ingest", {
      token: cast.dispatcher,
      body: { properties: [{ id: "P1", clientId: "C2", address: "12 Quay Street" }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: "properties[0].clientId", message: "property P1 has jobs of its current client" }]);
  });

  it("keeps a technician's search correct and isolated when they have more jobs than fit in an FTS scope", async () => {
    const cast = await tenantWithCast("bigscope");
    const count = MAX_SCOPE_TOKENS + 10;
    const jobs = Array.from({ length: count }, (_, i) => ({
      id: `J${i}`,
      clientId: "C1",
      title: `Service visit ${i}`,
      status: "completed" as const,
      assignees: [cast.subjects.technician],
    }));
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [
        { id: "C1", name: "Client one" },
        { id: "C2", name: "Client two" },
      ],
      jobs: [
        ...jobs,
        { id: "JX", clientId: "C2", title: "Hidden compressor job", status: "scheduled", assignees: [cast.subjects.otherTechnician] },
      ],
      notes: [
        { id: "N-own", jobId: `J${count - 1}`, body: "compressor replaced under warranty" },
        { id: "N-hidden", jobId: "JX", body: "compressor hidden note" },
      ],
    });
    const res = await call("/v1/search?q=compressor", { token: cast.technician });
    expect(res.status).toBe(200);
    expect(res.body.map((h: { ref: string }) => h.ref)).toEqual(["note:N-own"]);
    const all = await call("/v1/search?q=compressor", { token: cast.dispatcher });
    expect(all.body.map((h: { ref: string }) => h.ref).sort()).toEqual(["job:JX", "note:N-hidden", "note:N-own"]);
  });

  it("finds a word that only appears deep inside a very long note, and ranks from a bounded prefix", async () => {
    const cast = await tenantWithCast("longnote");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const body = `${"filler words about nothing in particular ".repeat(300)} the thermostat was recalibrated`;
    await ingestAs(cast.dispatcher, cast.tenantId, { notes: [{ id: "N-long", jobId: "J1", body }] });
    const res = await call("/v1/search?q=thermostat", { token: cast.dispatcher });
    expect(res.body.map((h: { ref: string }) => h.ref)).toEqual(["note:N-long"]);
    expect(res.body[0].snippet.length).toBeLessThanOrEqual(170);
  });

  it("verifies the audit chain in bounded pages that a caller can continue", async () => {
    const cast = await tenantWithCast("verifypage");
    const pages = await runInDurableObject(tenantObject(cast.tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      const first = audit.verify(db, 1, 3);
      const second = first.nextFrom === null ? null : audit.verify(db, first.nextFrom, 3);
      const rest = second?.nextFrom ? audit.verify(db, second.nextFrom, 1000) : null;
      return { first, second, rest };
    });
    expect(pages.first).toMatchObject({ valid: true, entries: 3, complete: false, nextFrom: 4 });
    expect(pages.second).toMatchObject({ valid: true, entries: 3, complete: false, nextFrom: 7 });
    expect(pages.rest).toMatchObject({ valid: true, complete: true, nextFrom: null });
    const api = await call("/v1/admin/audit/verify?from=2", { token: cast.admin });
    expect(api.body).toMatchObject({ valid: true, complete: true, entries: 6 });
    expect((await call("/v1/admin/audit/verify?from=0", { token: cast.admin })).status).toBe(422);
  });

  it("leaves no storage behind when an unknown tenant's object is called", async () => {
    const ghost = tenantObject(uniqueId("ghost"));
    const result = await ghost.me({ issuer: keys.issuer, subject: "x", email: null, devRole: null, requestId: "r" });
    expect(result).toMatchObject({ ok: false, error: { code: "not_found" } });
    const tables = await runInDurableObject(ghost, async (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { keys, userToken } from "../helpers/tokens";
import { tenantWithCast, uniqueId } from "../helpers/world";

/** Members and settings administration: the tenant object decides, the directory follows. */

const auditActions = async (token: string, tenant?: string) =>
  (
    (await call("/v1/admin/audit?limit=500", { token, ...(tenant ? { tenant } : {}) })).body.entries as {
      action: string;
      outcome: string;
    }[]
  )
    .filter((e) => e.outcome === "ok")
    .map((e) => e.action);

describe("admin members", () => {
  it("lists members for admins and auditors, and refuses everyone else", async () => {
    const cast = await tenantWithCast("mem-list");
    const list = expectOk(await call("/v1/admin/members", { token: cast.admin }));
    expect(list.members.map((m: { subject: string }) => m.subject).sort()).toEqual(Object.values(cast.subjects).sort());
    expectOk(await call("/v1/admin/members", { token: cast.auditor }));
    for (const token of [cast.dispatcher, cast.technician, cast.service])
      expectProblem(await call("/v1/admin/members", { token }), 403, "forbidden");
  });

  it("adds a member who can then use the tenant, and refuses a duplicate with 409", async () => {
    const cast = await tenantWithCast("mem-add");
    const subject = uniqueId("new");
    const res = await call("/v1/admin/members", { token: cast.admin, body: { subject, role: "dispatcher", email: "new@example.com" } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ subject, role: "dispatcher", status: "active", email: "new@example.com", issuer: keys.issuer });
    const me = expectOk(await call("/v1/me", { token: await userToken(subject) }));
    expect(me).toMatchObject({ tenant: { id: cast.tenantId }, role: "dispatcher" });
    expectProblem(await call("/v1/admin/members", { token: cast.admin, body: { subject, role: "admin" } }), 409, "conflict");
    expect(await auditActions(cast.admin)).toContain("member.add");
  });

  it("refuses bad input with 422 and writes nothing", async () => {
    const cast = await tenantWithCast("mem-bad");
    const before = (await call("/v1/admin/members", { token: cast.admin })).body.members.length;
    const bad = [
      { subject: "x y", role: "admin" },
      { subject: "ok", role: "owner" },
      { subject: "ok", role: "admin", email: "not-an-email" },
      { subject: "ok", role: "admin", extra: 1 },
      {},
    ];
    for (const body of bad) expectProblem(await call("/v1/admin/members", { token: cast.admin, body }), 422, "validation_failed");
    for (const body of [{}, { role: "owner" }, { status: "gone" }, { role: "admin", nope: true }]) {
      expectProblem(
        await call(`/v1/admin/members/${cast.subjects.dispatcher}`, { method: "PATCH", token: cast.admin, body }),
        422,
        "validation_failed",
      );
    }
    expect((await call("/v1/admin/members", { token: cast.admin })).body.members.length).toBe(before);
    expectProblem(await call(`/v1/admin/members/nobody-here`, { method: "DELETE", token: cast.admin }), 404, "not_found");
    expectProblem(
      await call(`/v1/admin/members/nobody-here`, { method: "PATCH", token: cast.admin, body: { role: "admin" } }),
      404,
      "not_found",
    );
  });

  it("a role change takes effect on the member's next request and in the directory", async () => {
    const cast = await tenantWithCast("mem-role");
    const res = await call(`/v1/admin/members/${cast.subjects.dispatcher}`, {
      method: "PATCH",
      token: cast.admin,
      body: { role: "auditor" },
    });
    expect(res.body).toMatchObject({ role: "auditor", status: "active" });
    const me = expectOk(await call("/v1/me", { token: cast.dispatcher }));
    expect(me.role).toBe("auditor");
    expect(me.memberships).toEqual([expect.objectContaining({ tenantId: cast.tenantId, role: "auditor" })]);
    // An auditor may not write.
    expectProblem(await call("/v1/jobs/J1", { method: "PATCH", token: cast.dispatcher, body: { priority: "high" } }), 403, "forbidden");
  });

  it("suspension refuses the member's next request; reactivation lets them back in", async () => {
    const cast = await tenantWithCast("mem-susp");
    expectOk(await call("/v1/me", { token: cast.technician }));
    expectOk(
      await call(`/v1/admin/members/${cast.subjects.technician}`, { method: "PATCH", token: cast.admin, body: { status: "suspended" } }),
    );
    expectProblem(await call("/v1/jobs", { token: cast.technician }), 403, "not_a_member");
    expectOk(
      await call(`/v1/admin/members/${cast.subjects.technician}`, { method: "PATCH", token: cast.admin, body: { status: "active" } }),
    );
    expectOk(await call("/v1/jobs", { token: cast.technician }));
  });

  it("removal refuses the member's next request and drops the tenant from their memberships", async () => {
    const cast = await tenantWithCast("mem-rm");
    expectOk(await call("/v1/jobs", { token: cast.dispatcher }));
    const res = await call(`/v1/admin/members/${cast.subjects.dispatcher}`, { method: "DELETE", token: cast.admin });
    expect(res.status).toBe(204);
    expectProblem(await call("/v1/jobs", { token: cast.dispatcher }), 403, "not_a_member");
    // The directory no longer lists the tenant for them: no membership left at all.
    expect(expectProblem(await call("/v1/me", { token: cast.dispatcher }), 403, "not_a_member").detail).toContain("any tenant");
    expectProblem(await call(`/v1/admin/members/${cast.subjects.dispatcher}`, { method: "DELETE", token: cast.admin }), 404, "not_found");
    expect(await auditActions(cast.admin)).toContain("member.remove");
  });

  it("never removes, suspends or demotes the last active admin", async () => {
    const cast = await tenantWithCast("mem-last");
    const self = `/v1/admin/members/${cast.subjects.admin}`;
    expectProblem(await call(self, { method: "DELETE", token: cast.admin }), 409, "conflict");
    expectProblem(await call(self, { method: "PATCH", token: cast.admin, body: { role: "dispatcher" } }), 409, "conflict");
    expectProblem(await call(self, { method: "PATCH", token: cast.admin, body: { status: "suspended" } }), 409, "conflict");
    expect(expectOk(await call("/v1/me", { token: cast.admin })).role).toBe("admin");
    // A second admin, then suspended: still the last active one.
    const second = uniqueId("admin2");
    expect((await call("/v1/admin/members", { token: cast.admin, body: { subject: second, role: "admin" } })).status).toBe(201);
    expectOk(await call(`/v1/admin/members/${second}`, { method: "PATCH", token: cast.admin, body: { status: "suspended" } }));
    expectProblem(await call(self, { method: "DELETE", token: cast.admin }), 409, "conflict");
    expectOk(await call(`/v1/admin/members/${second}`, { method: "PATCH", token: cast.admin, body: { status: "active" } }));
    // With another active admin, the first may step down.
    expect((await call(self, { method: "DELETE", token: cast.admin })).status).toBe(204);
    expectProblem(await call("/v1/admin/members", { token: cast.admin }), 403, "not_a_member");
    expectOk(await call("/v1/admin/members", { token: await userToken(second) }));
  });

  it("a subject known under two identity providers must be chosen with ?issuer=", async () => {
    const cast = await tenantWithCast("mem-iss");
    const res = await call(`/v1/platform/tenants/${cast.tenantId}/members`, {
      token: await userToken("ops-1"),
      body: { subject: cast.subjects.technician, role: "technician", issuer: "https://other-idp.example" },
    });
    expect(res.status).toBe(201);
    // The primary issuer's membership is the default…
    expectOk(
      await call(`/v1/admin/members/${cast.subjects.technician}`, { method: "PATCH", token: cast.admin, body: { email: "t@example.com" } }),
    );
    // …and the other is addressed explicitly.
    const other = await call(`/v1/admin/members/${cast.subjects.technician}?issuer=${encodeURIComponent("https://other-idp.example")}`, {
      method: "DELETE",
      token: cast.admin,
    });
    expect(other.status).toBe(204);
    const left = expectOk(await call("/v1/admin/members", { token: cast.admin })).members.filter(
      (m: { subject: string }) => m.subject === cast.subjects.technician,
    );
    expect(left).toEqual([expect.objectContaining({ issuer: keys.issuer, email: "t@example.com" })]);
  });
});

describe("admin settings", () => {
  it("shows the platform defaults until changed, and replaces them with PUT", async () => {
    const cast = await tenantWithCast("set-put");
    const before = expectOk(await call("/v1/admin/settings", { token: cast.auditor }));
    expect(before).toMatchObject({ dataMode: "full", chatRetentionDays: null });
    expect(before.rateLimits).toEqual({ tenantPerMinute: before.platform.tenantPerMinute, userPerMinute: before.platform.userPerMinute });
    const put = expectOk(
      await call("/v1/admin/settings", {
        method: "PUT",
        token: cast.admin,
        body: { dataMode: "metadata-only", rateLimits: { userPerMinute: 500 }, chatRetentionDays: 30 },
      }),
    );
    expect(put).toMatchObject({ dataMode: "metadata-only", chatRetentionDays: 30, rateLimits: { userPerMinute: 500 } });
    expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(put);
    // PUT replaces: what is omitted goes back to the default.
    const reset = expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: {} }));
    expect(reset).toMatchObject({ dataMode: "full", chatRetentionDays: null, rateLimits: before.rateLimits });
    expect(await auditActions(cast.admin)).toContain("settings.update");
  });

  it("refuses limits above the platform's bound, unknown fields and non-admins, changing nothing", async () => {
    const cast = await tenantWithCast("set-bad");
    const before = expectOk(await call("/v1/admin/settings", { token: cast.admin }));
    const over = expectProblem(
      await call("/v1/admin/settings", {
        method: "PUT",
        token: cast.admin,
        body: { rateLimits: { tenantPerMinute: before.platform.maxTenantPerMinute + 1 } },
      }),
      422,
      "validation_failed",
    );
    expect(over.errors).toEqual([expect.objectContaining({ path: "rateLimits.tenantPerMinute" })]);
    for (const body of [
      { dataMode: "none" },
      { chatRetentionDays: 0 },
      { rateLimits: { userPerMinute: 0 } },
      { surprise: true },
      { rateLimits: { x: 1 } },
    ]) {
      expectProblem(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body }), 422, "validation_failed");
    }
    expectProblem(await call("/v1/admin/settings", { method: "PUT", token: cast.auditor, body: {} }), 403, "forbidden");
    expectProblem(await call("/v1/admin/settings", { token: cast.dispatcher }), 403, "forbidden");
    expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(before);
  });

  it("accepts exactly what GET returns (read-only platform part included), and refuses a changed platform part, writing nothing", async () => {
    const cast = await tenantWithCast("set-rt");
    const defaults = expectOk(await call("/v1/admin/settings", { token: cast.admin }));
    expect(Object.keys(defaults.platform).sort()).toEqual(["maxTenantPerMinute", "maxUserPerMinute", "tenantPerMinute", "userPerMinute"]);
    // The defaults' view, then a changed one: each goes back through PUT as it came and comes back the same.
    expect(expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: defaults }))).toEqual(defaults);
    expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(defaults);
    expectOk(
      await call("/v1/admin/settings", {
        method: "PUT",
        token: cast.admin,
        body: { dataMode: "metadata-only", rateLimits: { userPerMinute: 500 }, chatRetentionDays: 30 },
      }),
    );
    const view = expectOk(await call("/v1/admin/settings", { token: cast.admin }));
    expect(view).toMatchObject({ dataMode: "metadata-only", rateLimits: { userPerMinute: 500 }, chatRetentionDays: 30 });
    expect(expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: view }))).toEqual(view);
    expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(view);

    // A platform part that differs, in any one field, is refused even alongside a valid change.
    for (const key of Object.keys(view.platform)) {
      const body = { ...view, dataMode: "full", platform: { ...view.platform, [key]: view.platform[key] + 1 } };
      const problem = expectProblem(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body }), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toEqual([`platform.${key}`]);
      expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(view);
    }
    // The read-only part takes no extra fields either.
    const extra = {
      ...view,
      dataMode: "full",
      platform: { ...view.platform, maxTenantPerMinute: view.platform.maxTenantPerMinute, burst: 9 },
    };
    const refused = expectProblem(
      await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: extra }),
      422,
      "validation_failed",
    );
    expect(refused.errors?.map((e) => e.path)).toEqual(["platform.burst"]);
    expect(expectOk(await call("/v1/admin/settings", { token: cast.admin }))).toEqual(view);
  });

  it("a tenant's lower user limit is enforced on the next request", async () => {
    const cast = await tenantWithCast("set-rate");
    expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: { rateLimits: { userPerMinute: 3 } } }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("/v1/me", { token: cast.technician })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});

describe("members and settings with ETags (If-Match, If-None-Match)", () => {
  const tagOf = (res: { status: number; headers: Headers; text: string }): string => {
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const tag = res.headers.get("etag");
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    return tag as string;
  };
  const auditCount = async (token: string, action: string) => (await auditActions(token)).filter((a) => a === action).length;

  it("reads one member with its ETag (admin, auditor), 304 while unchanged, and refuses everyone else", async () => {
    const cast = await tenantWithCast("mem-get");
    const path = `/v1/admin/members/${cast.subjects.dispatcher}`;
    const res = await call(path, { token: cast.admin });
    const tag = tagOf(res);
    expect(res.body).toMatchObject({ subject: cast.subjects.dispatcher, role: "dispatcher", status: "active", issuer: keys.issuer });
    const listed = expectOk(await call("/v1/admin/members", { token: cast.admin })).members;
    expect(listed).toContainEqual(res.body);
    expect(tagOf(await call(`${path}?issuer=${encodeURIComponent(keys.issuer)}`, { token: cast.auditor }))).toBe(tag);
    const notModified = await call(path, { token: cast.auditor, headers: { "if-none-match": tag } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe("");
    expect(notModified.headers.get("etag")).toBe(tag);
    expectProblem(await call("/v1/admin/members/nobody-here", { token: cast.admin, headers: { "if-none-match": "*" } }), 404, "not_found");
    expectProblem(await call(`${path}?issuer=https%3A%2F%2Fother.example`, { token: cast.admin }), 404, "not_found");
    for (const token of [cast.dispatcher, cast.technician, cast.service]) expectProblem(await call(path, { token }), 403, "forbidden");
  });

  it("PATCH with a stale If-Match is a 412 that changes and audits nothing; with the current one it applies and answers the new tag", async () => {
    const cast = await tenantWithCast("mem-ifm");
    const path = `/v1/admin/members/${cast.subjects.technician}`;
    const tag = tagOf(await call(path, { token: cast.admin }));
    // Someone else changes the member meanwhile.
    const other = await call(path, { method: "PATCH", token: cast.admin, body: { email: "first@example.com" } });
    const current = tagOf(other);
    expect(current).not.toBe(tag);
    const updates = await auditCount(cast.admin, "member.update");
    for (const ifMatch of [tag, `W/${current}`, "garbage", `"${"x".repeat(10)}"`]) {
      expectProblem(
        await call(path, { method: "PATCH", token: cast.admin, body: { status: "suspended" }, headers: { "if-match": ifMatch } }),
        412,
        "precondition_failed",
      );
    }
    expect(tagOf(await call(path, { token: cast.admin }))).toBe(current);
    expect(await auditCount(cast.admin, "member.update")).toBe(updates);
    expectOk(await call("/v1/jobs", { token: cast.technician }));
    // The current tag: applied, and the answer's tag is the one a GET now shows.
    const applied = await call(path, {
      method: "PATCH",
      token: cast.admin,
      body: { status: "suspended" },
      headers: { "if-match": current },
    });
    expect(applied.body).toMatchObject({ status: "suspended" });
    expect(tagOf(await call(path, { token: cast.admin }))).toBe(tagOf(applied));
    expectProblem(await call("/v1/jobs", { token: cast.technician }), 403, "not_a_member");
    // A missing member is 404 whatever the preconditions.
    expectProblem(
      await call("/v1/admin/members/nobody-here", {
        method: "PATCH",
        token: cast.admin,
        body: { role: "admin" },
        headers: { "if-match": "*" },
      }),
      404,
      "not_found",
    );
  });

  it("DELETE with a stale If-Match keeps the member; with the current one (or *) removes it", async () => {
    const cast = await tenantWithCast("mem-ifd");
    const path = `/v1/admin/members/${cast.subjects.dispatcher}`;
    const tag = tagOf(await call(path, { token: cast.admin }));
    expectOk(await call(path, { method: "PATCH", token: cast.admin, body: { email: "d@example.com" } }));
    expectProblem(await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": tag } }), 412, "precondition_failed");
    expectProblem(await call(path, { method: "DELETE", token: cast.admin, headers: { "if-none-match": "*" } }), 412, "precondition_failed");
    expectOk(await call("/v1/jobs", { token: cast.dispatcher }));
    expect(await auditCount(cast.admin, "member.remove")).toBe(0);
    const current = tagOf(await call(path, { token: cast.admin }));
    expect((await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": current } })).status).toBe(204);
    expectProblem(await call("/v1/jobs", { token: cast.dispatcher }), 403, "not_a_member");
    // Gone: a 404 for If-Match: * too (there is nothing for * to match, and a missing member is a 404 first).
    expectProblem(await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": "*" } }), 404, "not_found");
    const second = `/v1/admin/members/${cast.subjects.auditor}`;
    expect((await call(second, { method: "DELETE", token: cast.admin, headers: { "if-match": "*" } })).status).toBe(204);
  });

  it("settings: ETag on GET and PUT, 304 while unchanged, stale If-Match on PUT is a 412 that changes and audits nothing", async () => {
    const cast = await tenantWithCast("set-etag");
    const first = await call("/v1/admin/settings", { token: cast.auditor });
    const tag = tagOf(first);
    const same = await call("/v1/admin/settings", { token: cast.admin, headers: { "if-none-match": tag } });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    expect(same.headers.get("etag")).toBe(tag);
    // The current tag (or *: settings always exist) lets a PUT through; its answer carries the new tag.
    const put = await call("/v1/admin/settings", {
      method: "PUT",
      token: cast.admin,
      body: { chatRetentionDays: 30 },
      headers: { "if-match": tag },
    });
    const next = tagOf(put);
    expect(next).not.toBe(tag);
    expect(tagOf(await call("/v1/admin/settings", { token: cast.admin, headers: { "if-none-match": tag } }))).toBe(next);
    const updates = await auditCount(cast.admin, "settings.update");
    // Stale, weak, malformed, If-None-Match: *: refused, nothing written.
    const refused: Record<string, string>[] = [
      { "if-match": tag },
      { "if-match": `W/${next}` },
      { "if-match": "next" },
      { "if-none-match": "*" },
    ];
    for (const headers of refused) {
      expectProblem(
        await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: { dataMode: "metadata-only" }, headers }),
        412,
        "precondition_failed",
      );
    }
    const after = await call("/v1/admin/settings", { token: cast.admin });
    expect(tagOf(after)).toBe(next);
    expect(after.body).toMatchObject({ dataMode: "full", chatRetentionDays: 30 });
    expect(await auditCount(cast.admin, "settings.update")).toBe(updates);
    expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: after.body, headers: { "if-match": "*" } }));
    // Unchanged settings keep their tag; without If-Match a PUT behaves as before.
    expect(tagOf(await call("/v1/admin/settings", { token: cast.admin }))).toBe(next);
    expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: {} }));
    expect(tagOf(await call("/v1/admin/settings", { token: cast.admin }))).toBe(tag);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { call, type ApiResponse } from "../helpers/api";
import { setTenantObjectEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { tamper } from "../helpers/storage";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";
import { inject } from "vitest";

/** Provider keys through the API: stored sealed, shown as mask and fingerprint, used by the copilot, never revealed. */

const KEY = "sk-test-0123456789abcdefSECRETMIDDLE9f3a";
const FAKE = inject("fakeLlmUrl");

afterEach(() => vi.restoreAllMocks());

/** Everything a test saw: response texts and log lines. The key must appear in none of them. */
function recorder() {
  const seen: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      seen.push(args.map(String).join(" "));
      original(...args);
    });
  }
  return {
    seen,
    track: <T>(res: ApiResponse<T>) => {
      seen.push(res.text, [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n"));
      return res;
    },
  };
}

describe("provider keys", () => {
  it("stores a key sealed, shows only mask and fingerprint, replaces and deletes it, audited; the key is never in a response or log", async () => {
    const rec = recorder();
    const cast = await tenantWithCast("pk");
    const put = rec.track(await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key: KEY } }));
    expect(put.status, put.text).toBe(201);
    expect(put.body).toEqual({
      provider: "openai",
      mask: "sk-…9f3a",
      fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      kekVersion: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const list = rec.track(await call("/v1/admin/provider-keys", { token: cast.admin }));
    expect(list.body).toEqual({ keys: [put.body] });
    const replaced = rec.track(
      await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key: `${KEY}-rotated-1234` } }),
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.createdAt).toBe((put.body as { createdAt: string }).createdAt);
    expect(replaced.body.fingerprint).not.toBe((put.body as { fingerprint: string }).fingerprint);
    const audit = rec.track(await call("/v1/admin/audit?limit=500", { token: cast.admin }));
    const actions = (audit.body.entries as { action: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a === "provider_key.put")).toHaveLength(2);
    rec.track(await call("/v1/admin/export", { token: cast.admin }));
    expect(rec.track(await call("/v1/admin/provider-keys/openai", { method: "DELETE", token: cast.admin })).status).toBe(204);
    expectProblem(rec.track(await call("/v1/admin/provider-keys/openai", { method: "DELETE", token: cast.admin })), 404, "not_found");
    expect(expectOk(rec.track(await call("/v1/admin/provider-keys", { token: cast.admin })))).toEqual({ keys: [] });
    for (const text of rec.seen) {
      expect(text).not.toContain("SECRETMIDDLE");
      expect(text).not.toContain(KEY);
    }
  });

  it("refuses bad keys and unknown providers, and everyone but admins (auditors included)", async () => {
    const cast = await tenantWithCast("pkbad");
    for (const key of ["short", "has space in the middle of it ok", "x".repeat(513), "é".repeat(30)]) {
      const res = await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key } });
      const problem = expectProblem(res, 422, "validation_failed");
      expect(res.text).not.toContain(key);
      expect(problem.errors?.[0]?.path).toBe("key");
    }
    expectProblem(
      await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key: KEY, extra: 1 } }),
      422,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/admin/provider-keys/anthropic", { method: "PUT", token: cast.admin, body: { key: KEY } }),
      404,
      "not_found",
    );
    for (const token of [cast.auditor, cast.dispatcher, cast.technician, cast.service]) {
      expectProblem(await call("/v1/admin/provider-keys", { token }), 403, "forbidden");
      expectProblem(await call("/v1/admin/provider-keys/openai", { method: "PUT", token, body: { key: KEY } }), 403, "forbidden");
    }
    expect(expectOk(await call("/v1/admin/provider-keys", { token: cast.admin }))).toEqual({ keys: [] });
  });

  it("the copilot calls the provider with the tenant's key, and with the deployment's key when the stored one cannot be opened", async () => {
    const cast = await tenantWithCast("pkuse");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const model = `fake-${crypto.randomUUID()}`;
    const answer = {
      chunks: [`data: ${JSON.stringify({ choices: [{ delta: { content: "The fan motor was replaced." } }] })}\n\n`, "data: [DONE]\n\n"],
      headers: { "content-type": "text/event-stream" },
    };
    const scripted = await fetch(`${FAKE}/__script`, { method: "POST", body: JSON.stringify({ key: model, responses: [answer, answer] }) });
    expect(scripted.status).toBe(204);
    await setTenantObjectEnv(cast.tenantId, {
      COPILOT_PROVIDER: "openai",
      OPENAI_MODEL: model,
      OPENAI_API_KEY: "sk-deployment-secret-000000",
    } as EnvOverrides);
    expect((await call("/v1/admin/provider-keys/openai", { method: "PUT", token: cast.admin, body: { key: KEY } })).status).toBe(201);
    expectOk(await call("/v1/copilot/ask", { token: cast.dispatcher, body: { question: "What was replaced on the condenser fan?" } }));
    // A stored value that no longer opens (tampered): the deployment's key is used, the ask still answers.
    await tamper(cast.tenantId, `UPDATE provider_keys SET ciphertext = 'AAAA' || substr(ciphertext, 5)`);
    expectOk(await call("/v1/copilot/ask", { token: cast.dispatcher, body: { question: "What was replaced on the condenser fan?" } }));
    const received = (await (await fetch(`${FAKE}/__requests/${encodeURIComponent(model)}`)).json()) as { authorization: string }[];
    expect(received.map((r) => r.authorization)).toEqual([`Bearer ${KEY}`, "Bearer sk-deployment-secret-000000"]);
  });
});

describe("provider keys with ETags (If-Match, If-None-Match)", () => {
  const path = "/v1/admin/provider-keys/openai";
  const tagOf = (res: ApiResponse<unknown>, status = 200): string => {
    expect(res.status, res.text.slice(0, 300)).toBe(status);
    const tag = res.headers.get("etag");
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    return tag as string;
  };
  const puts = async (token: string) =>
    ((await call("/v1/admin/audit?limit=500", { token })).body.entries as { action: string }[]).filter(
      (e) => e.action === "provider_key.put",
    ).length;

  it("create-only with If-None-Match: *, read one key with its tag, replace and delete only with the current tag", async () => {
    const cast = await tenantWithCast("pk-etag");
    // Nothing stored: GET is a 404, and If-Match: * has nothing to match.
    expectProblem(await call(path, { token: cast.admin }), 404, "not_found");
    expectProblem(
      await call(path, { method: "PUT", token: cast.admin, body: { key: KEY }, headers: { "if-match": "*" } }),
      412,
      "precondition_failed",
    );
    expect(expectOk(await call("/v1/admin/provider-keys", { token: cast.admin }))).toEqual({ keys: [] });

    const created = await call(path, { method: "PUT", token: cast.admin, body: { key: KEY }, headers: { "if-none-match": "*" } });
    const tag = tagOf(created, 201);
    const read = await call(path, { token: cast.admin });
    expect(tagOf(read)).toBe(tag);
    expect(read.body).toEqual(created.body);
    const notModified = await call(path, { token: cast.admin, headers: { "if-none-match": `W/${tag}` } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(tag);
    // A second create-only PUT is refused: the key exists.
    expectProblem(
      await call(path, { method: "PUT", token: cast.admin, body: { key: `${KEY}-other-0000` }, headers: { "if-none-match": "*" } }),
      412,
      "precondition_failed",
    );

    // Replaced with the current tag: a new tag; the old one is stale from then on.
    const replaced = await call(path, {
      method: "PUT",
      token: cast.admin,
      body: { key: `${KEY}-rotated-1234` },
      headers: { "if-match": tag },
    });
    const next = tagOf(replaced);
    expect(next).not.toBe(tag);
    expect(tagOf(await call(path, { token: cast.admin }))).toBe(next);
    const before = await puts(cast.admin);
    for (const headers of [{ "if-match": tag }, { "if-match": `W/${next}` }, { "if-match": "sk-not-a-tag" }]) {
      expectProblem(await call(path, { method: "PUT", token: cast.admin, body: { key: KEY }, headers }), 412, "precondition_failed");
      expectProblem(await call(path, { method: "DELETE", token: cast.admin, headers }), 412, "precondition_failed");
    }
    const kept = await call(path, { token: cast.admin });
    expect(tagOf(kept)).toBe(next);
    expect(kept.body.fingerprint).toBe(replaced.body.fingerprint);
    expect(await puts(cast.admin)).toBe(before);

    expect((await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": next } })).status).toBe(204);
    expectProblem(await call(path, { token: cast.admin }), 404, "not_found");
    // Nothing stored: DELETE is a 404 whatever the preconditions.
    expectProblem(await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": next } }), 404, "not_found");
  });

  it("one key is for admins only, and an unknown provider names nothing", async () => {
    const cast = await tenantWithCast("pk-get");
    expect((await call(path, { method: "PUT", token: cast.admin, body: { key: KEY } })).status).toBe(201);
    for (const token of [cast.auditor, cast.dispatcher, cast.technician, cast.service]) {
      expectProblem(await call(path, { token }), 403, "forbidden");
      expectProblem(await call(path, { method: "DELETE", token, headers: { "if-match": "*" } }), 403, "forbidden");
    }
    expectProblem(await call("/v1/admin/provider-keys/anthropic", { token: cast.admin }), 404, "not_found");
    expect((await call(path, { method: "DELETE", token: cast.admin, headers: { "if-match": "*" } })).status).toBe(204);
  });
});

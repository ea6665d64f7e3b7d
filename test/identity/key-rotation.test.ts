import { beforeAll, describe, expect, it } from "vitest";
import { call, type ApiResponse } from "../helpers/api";
import { expectProblem, expectUnauthenticated } from "../helpers/expect-api";
import { createTenant, operatorToken, uniqueId } from "../helpers/world";
import { KEY_SET_TIMING } from "../../src/identity/key-set";
import { drive, FakeClock, RotatingIdp, routerFor, signingKey, type HostMode, type SigningKey } from "./rotating-idp";

/**
 * Signing keys within their promise: a key the provider removes is refused within 5 minutes, a
 * key it adds is accepted within seconds, and a JWKS host outage keeps the last good keys. Each
 * test rotates the JWKS of its own provider, served over real HTTP on loopback, and moves a fake
 * clock instead of waiting; fetches are counted by the server.
 */

const BOUND = KEY_SET_TIMING.revocationBoundMs;
const REFRESH_AFTER = KEY_SET_TIMING.refreshAfterMs;
const COOLDOWN = KEY_SET_TIMING.cooldownMs;

/** A provider with its own name, and one member of a fresh tenant under that provider's issuer. */
async function provider(name: string): Promise<{ idp: RotatingIdp; subject: string }> {
  const idp = new RotatingIdp(uniqueId(name));
  const tenantId = await createTenant(name);
  const subject = uniqueId("user");
  const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
    token: await operatorToken(),
    body: { subject, role: "technician", issuer: idp.issuer },
  });
  expect([200, 201], res.text).toContain(res.status);
  return { idp, subject };
}

function expectAccepted(res: ApiResponse<any>, subject: string): void {
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.body.user.subject).toBe(subject);
}

function expectUnknownKey(res: ApiResponse<any>): void {
  expectUnauthenticated(res);
  expect(res.body.detail).toBe("the token was signed with an unknown key");
}

describe("a signing key the provider removed", () => {
  let k1: SigningKey;
  let k2: SigningKey;
  beforeAll(async () => {
    [k1, k2] = await Promise.all([signingKey("k1"), signingKey("k2")]);
  });

  it("is accepted until 5 minutes after the last fetch that had it and refused from then on, cached token and never-seen token alike", async () => {
    expect(BOUND).toBe(5 * 60_000);
    const { idp, subject } = await provider("revoke-bound");
    await idp.publish(k1, k2);
    const clock = new FakeClock();
    // No early background refresh: this measures the bound itself, the worst case.
    const router = routerFor(idp, clock, { keySet: { refreshAfterMs: BOUND } });
    const t0 = clock.now();
    const cached = await idp.token(k1, subject);
    expectAccepted(await router.me(cached), subject);
    expect((await idp.stats()).fetches).toBe(1);

    await idp.publish(k2); // k1 removed right after the fetch at t0

    clock.advanceTo(t0 + BOUND - 1);
    const neverSeen = await idp.token(k1, subject);
    expectAccepted(await router.me(cached), subject);
    expectAccepted(await router.me(neverSeen), subject);
    expect((await idp.stats()).fetches).toBe(1);

    clock.advanceTo(t0 + BOUND);
    const { value, waitedMs } = await drive(clock, Promise.all([router.me(cached), router.me(await idp.token(k1, subject))]));
    for (const res of value) expectUnknownKey(res);
    expect(waitedMs).toBe(0);
    expect((await idp.stats()).fetches).toBe(2);
    // Still refused afterwards, at once (the refresh that removed k1 is remembered), without another fetch.
    expectUnknownKey(await router.me(cached));
    expectUnknownKey(await router.me(neverSeen));
    expectAccepted(await router.me(await idp.token(k2, subject)), subject);
    expect((await idp.stats()).fetches).toBe(2);
  });

  it("is refused as soon as the background refresh after 4 minutes lands, while requests keep coming", async () => {
    const { idp, subject } = await provider("revoke-traffic");
    await idp.publish(k1, k2);
    const clock = new FakeClock();
    const router = routerFor(idp, clock);
    const t0 = clock.now();
    const cached = await idp.token(k1, subject);
    expectAccepted(await router.me(cached), subject);
    await idp.publish(k2);

    clock.advanceTo(t0 + REFRESH_AFTER - 1);
    expectAccepted(await router.me(cached), subject);
    await router.settle();
    expect((await idp.stats()).fetches).toBe(1);

    clock.advanceTo(t0 + REFRESH_AFTER);
    // This request is answered from the keys it found (still within the bound) and starts the refresh.
    expectAccepted(await router.me(cached), subject);
    await router.settle();
    expect((await idp.stats()).fetches).toBe(2);
    expectUnknownKey(await router.me(cached));
    expectUnknownKey(await router.me(await idp.token(k1, subject)));
    expect((await idp.stats()).fetches).toBe(2);
  });

  it("invalidates cached verifications when the provider reuses a kid for different key material", async () => {
    const { idp, subject } = await provider("revoke-rekey");
    const original = await signingKey("shared");
    const replacement = await signingKey("shared");
    await idp.publish(original);
    const clock = new FakeClock();
    const router = routerFor(idp, clock);
    const cached = await idp.token(original, subject);
    expectAccepted(await router.me(cached), subject);

    await idp.publish(replacement);
    clock.advance(REFRESH_AFTER);
    expectAccepted(await router.me(cached), subject); // within the bound; starts the refresh
    await router.settle();
    const res = await router.me(cached);
    expectUnauthenticated(res);
    expect(res.body.detail).toBe("the token's signature is not valid");
    expectAccepted(await router.me(await idp.token(replacement, subject)), subject);
  });
});

describe("a signing key the provider added", () => {
  it("is accepted right after a refetch that did not have it: requests wait for the next allowed fetch, no 401", async () => {
    const { idp, subject } = await provider("add-key");
    const [k1, k2, k3, k4] = (await Promise.all(["k1", "k2", "k3", "k4"].map(signingKey))) as [
      SigningKey,
      SigningKey,
      SigningKey,
      SigningKey,
    ];
    await idp.publish(k1);
    const clock = new FakeClock();
    const router = routerFor(idp, clock);
    const t0 = clock.now();
    expectAccepted(await router.me(await idp.token(k1, subject)), subject);
    expect((await idp.stats()).fetches).toBe(1);
    const statuses: number[] = [];

    // k2 appears 1 s after the fetch at t0: its tokens wait for the fetch allowed at t0 + 5 s.
    clock.advanceTo(t0 + 1_000);
    await idp.publish(k1, k2);
    const wave2 = await Promise.all(Array.from({ length: 10 }, () => idp.token(k2, subject)));
    const second = await drive(clock, Promise.all(wave2.map((t) => router.me(t))));
    for (const res of second.value) expectAccepted(res, subject);
    statuses.push(...second.value.map((r) => r.status));
    expect(second.waitedMs).toBe(4_000); // the rest of the 5 s cooldown
    expect((await idp.stats()).fetches).toBe(2);

    // k3 appears 1 s after that refetch (two publications within 30 s): same again, one more fetch.
    clock.advance(1_000);
    await idp.publish(k1, k2, k3);
    const wave3 = await Promise.all(Array.from({ length: 10 }, () => idp.token(k3, subject)));
    const third = await drive(clock, Promise.all(wave3.map((t) => router.me(t))));
    for (const res of third.value) expectAccepted(res, subject);
    statuses.push(...third.value.map((r) => r.status));
    expect(third.waitedMs).toBe(4_000);
    expect((await idp.stats()).fetches).toBe(3);

    // After the cooldown a new key costs no wait at all.
    clock.advance(5_000);
    await idp.publish(k1, k2, k3, k4);
    const fourth = await drive(clock, router.me(await idp.token(k4, subject)));
    expectAccepted(fourth.value, subject);
    expect(fourth.waitedMs).toBe(0);
    expect((await idp.stats()).fetches).toBe(4);

    expect(statuses.filter((s) => s === 401)).toEqual([]);
  });

  it("a flood of 200 unknown kids causes at most one JWKS fetch per cooldown, each gets 401, known keys never wait", async () => {
    const { idp, subject } = await provider("kid-flood");
    const [k1, stranger] = await Promise.all([signingKey("k1"), signingKey("stranger")]);
    await idp.publish(k1);
    const clock = new FakeClock();
    const router = routerFor(idp, clock);
    const known = await idp.token(k1, subject);
    expectAccepted(await router.me(known), subject);
    const t0 = clock.now();

    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) => idp.token(stranger, subject, { kid: `random-${i}-${crypto.randomUUID()}` })),
    );
    const pending = Promise.all(flood.map((t) => router.me(t)));
    // Meanwhile a token with a known kid is answered without waiting for anything.
    expectAccepted(await router.me(known), subject);
    const first = await drive(clock, pending);
    for (const res of first.value) expectUnknownKey(res);
    expect(first.waitedMs).toBe(5_000);
    expect((await idp.stats()).fetches).toBe(2);

    // A second flood spread over 20 s: requests keep arriving every second.
    const waves: Promise<ApiResponse<any>[]>[] = [];
    for (let second = 0; second < 20; second++) {
      const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => idp.token(stranger, subject, { kid: `w${second}-${i}` })));
      waves.push(Promise.all(tokens.map((t) => router.me(t))));
      await new Promise((resolve) => setTimeout(resolve, 5));
      clock.advance(1_000);
    }
    const rest = await drive(clock, Promise.all(waves));
    for (const res of rest.value.flat()) expectUnknownKey(res);
    const elapsed = clock.now() - t0;
    const fetches = (await idp.stats()).fetches;
    expect(fetches - 1).toBeLessThanOrEqual(Math.floor(elapsed / COOLDOWN) + 1);
    expect(fetches).toBeGreaterThanOrEqual(3);
  });
  it("lets at most maxWaiters requests wait for the next fetch; the rest are refused at once", async () => {
    const { idp, subject } = await provider("kid-waiters");
    const [k1, stranger] = await Promise.all([signingKey("k1"), signingKey("stranger")]);
    await idp.publish(k1);
    const clock = new FakeClock();
    const router = routerFor(idp, clock, { keySet: { maxWaiters: 50 } });
    expectAccepted(await router.me(await idp.token(k1, subject)), subject);

    const tokens = await Promise.all(Array.from({ length: 80 }, (_, i) => idp.token(stranger, subject, { kid: `over-${i}` })));
    let answered = 0;
    const pending = Promise.all(tokens.map((t) => router.me(t).finally(() => (answered += 1))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(30); // the clock has not moved: only the requests beyond the 50 waiters are answered
    const { value, waitedMs } = await drive(clock, pending);
    for (const res of value) expectUnknownKey(res);
    expect(waitedMs).toBe(5_000);
    expect((await idp.stats()).fetches).toBe(2);
  });
});

describe("the JWKS host is down", () => {
  const modes: HostMode[] = ["error", "reset", "hang"];

  it.each(modes)(
    "(%s) keeps the last good keys past the bound, refuses unknown kids, and refuses a removed key once the host answers again",
    async (mode) => {
      const { idp, subject } = await provider(`down-${mode}`);
      const [k1, k2, k3] = await Promise.all([signingKey("k1"), signingKey("k2"), signingKey("k3")]);
      await idp.publish(k1, k2);
      const clock = new FakeClock();
      const router = routerFor(idp, clock);
      const t0 = clock.now();
      const cached = await idp.token(k1, subject);
      expectAccepted(await router.me(cached), subject);

      // The provider removes k1 and adds k3, but nobody can read its JWKS.
      await idp.setMode(mode);
      await idp.publish(k2, k3);
      clock.advanceTo(t0 + REFRESH_AFTER);
      expectAccepted(await router.me(cached), subject);
      await router.settle(); // the background refresh fails

      clock.advanceTo(t0 + 2 * BOUND);
      expectAccepted((await drive(clock, router.me(cached))).value, subject);
      expectAccepted((await drive(clock, router.me(await idp.token(k1, subject)))).value, subject);
      expectUnknownKey((await drive(clock, router.me(await idp.token(k3, subject)))).value);
      await router.settle();
      const during = (await idp.stats()).fetches;
      expect(during).toBeGreaterThanOrEqual(3);
      expect(during).toBeLessThanOrEqual(5);

      // The host answers again: within a cooldown the next request's background refresh sees the change.
      await idp.setMode("ok");
      clock.advance(COOLDOWN);
      expectAccepted((await drive(clock, router.me(cached))).value, subject);
      await router.settle();
      expectUnknownKey(await router.me(cached));
      expectAccepted((await drive(clock, router.me(await idp.token(k3, subject)))).value, subject);
    },
  );

  it("an isolate without keys answers 503 not_ready, at most one fetch per cooldown, and recovers when the host does", async () => {
    const { idp, subject } = await provider("down-fresh");
    const k1 = await signingKey("k1");
    await idp.publish(k1);
    await idp.setMode("error");
    const clock = new FakeClock();
    const router = routerFor(idp, clock);
    const token = await idp.token(k1, subject);
    for (let i = 0; i < 5; i++) expectProblem(await router.me(token), 503, "not_ready");
    expect((await idp.stats()).fetches).toBe(1);

    await idp.setMode("ok");
    expectProblem(await router.me(token), 503, "not_ready"); // still within the cooldown of the failure
    clock.advance(COOLDOWN);
    expectAccepted(await router.me(token), subject);
    expect((await idp.stats()).fetches).toBe(2);
  });
});

describe("discovery", () => {
  it("reads jwks_uri from the issuer on every refresh, so the bound holds without OIDC_JWKS_URL", async () => {
    const { idp, subject } = await provider("discovery");
    const [k1, k2] = await Promise.all([signingKey("k1"), signingKey("k2")]);
    await idp.publish(k1, k2);
    const clock = new FakeClock();
    const router = routerFor(idp, clock, { vars: { OIDC_JWKS_URL: "" } });
    const t0 = clock.now();
    const cached = await idp.token(k1, subject);
    expectAccepted(await router.me(cached), subject);
    await idp.publish(k2);
    clock.advanceTo(t0 + BOUND);
    expectUnknownKey((await drive(clock, router.me(cached))).value);
    expect(await idp.stats()).toEqual({ fetches: 2, discoveries: 2 });
  });
});

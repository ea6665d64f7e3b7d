import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  fingerprintOf,
  IV_BYTES,
  KeyringConfigError,
  KeyUnavailableError,
  maskOf,
  newKekEntry,
  parseKeyring,
  reencrypt,
  type KeyringProblem,
  type KeyUnavailableReason,
  type SealedSecret,
} from "../../durable-objects/tenant/crypto/envelope";
import { Db } from "../../durable-objects/tenant/data/db";
import { providerKeyAad, providerKeys, toView } from "../../durable-objects/tenant/data/provider-keys";
import { ProviderKeyPut, ProviderName } from "../../schemas/provider-keys";
import { tamper, tenantObject } from "../helpers/storage";
import { createTenant } from "../helpers/world";

/** Standard base64 of `n` random bytes: KEK material as an operator would paste it. */
function material(n = 32): string {
  let binary = "";
  for (const b of crypto.getRandomValues(new Uint8Array(n))) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A random 51-character OpenAI-style key. */
function apiKey(): string {
  return `sk-${[...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The same base64url string with one character (at `at`) changed. */
function flip(text: string, at: number): string {
  const c = text[at] === "A" ? "B" : "A";
  return text.slice(0, at) + c + text.slice(at + 1);
}

async function unavailable(promise: Promise<unknown>): Promise<KeyUnavailableReason> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyUnavailableError);
    return (error as KeyUnavailableError).reason;
  }
  throw new Error("expected KeyUnavailableError, got success");
}

function configProblem(secret: string): { problem: KeyringProblem; message: string } {
  try {
    parseKeyring(secret);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyringConfigError);
    const e = error as KeyringConfigError;
    return { problem: e.problem, message: e.message };
  }
  throw new Error("expected KeyringConfigError, got a keyring");
}

const AAD = "acme-hvac|openai";

describe("provider key envelope (AES-256-GCM under a versioned KEK)", () => {
  it("round-trips a key, encoded as unpadded base64url with a 12-byte IV", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const key = apiKey();
    const sealed = await encryptSecret(ring, key, AAD);
    expect(sealed.kekVersion).toBe(1);
    expect(sealed.iv).toMatch(/^[A-Za-z0-9_-]{16}$/); // 12 bytes
    expect(sealed.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed.ciphertext).not.toContain(key);
    expect(IV_BYTES).toBe(12);
    expect(await decryptSecret(ring, sealed, AAD)).toBe(key);
  });

  it("round-trips non-ASCII text (UTF-8 both ways)", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const text = "clé-ключ-🔑-0123456789";
    expect(await decryptSecret(ring, await encryptSecret(ring, text, AAD), AAD)).toBe(text);
  });

  it("seals the same key differently every time (fresh IV)", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const key = apiKey();
    const a = await encryptSecret(ring, key, AAD);
    const b = await encryptSecret(ring, key, AAD);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(await decryptSecret(ring, b, AAD)).toBe(key);
  });

  it("binds a sealed key to its tenant and provider slot (AAD): another slot gets decrypt_failed", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const sealed = await encryptSecret(ring, apiKey(), providerKeyAad("acme-hvac", "openai"));
    expect(await unavailable(decryptSecret(ring, sealed, providerKeyAad("other-co", "openai")))).toBe("decrypt_failed");
    expect(await unavailable(decryptSecret(ring, sealed, "acme-hvac|workers-ai"))).toBe("decrypt_failed");
    expect(await unavailable(decryptSecret(ring, sealed, ""))).toBe("decrypt_failed");
  });

  it("rejects a tampered ciphertext, IV or tag with decrypt_failed", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const sealed = await encryptSecret(ring, apiKey(), AAD);
    const cases: SealedSecret[] = [
      { ...sealed, ciphertext: flip(sealed.ciphertext, 2) },
      { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 3) }, // inside the tag
      { ...sealed, ciphertext: sealed.ciphertext.slice(0, -4) }, // truncated tag
      { ...sealed, ciphertext: sealed.ciphertext.slice(0, 8) }, // shorter than a tag
      { ...sealed, ciphertext: "" },
      { ...sealed, iv: flip(sealed.iv, 3) },
      { ...sealed, iv: sealed.iv.slice(0, 12) }, // 9 bytes: not a 96-bit IV
      { ...sealed, iv: `${sealed.iv}AAAA` },
      { ...sealed, iv: "!!!!!!!!!!!!!!!!" }, // not base64url
      { ...sealed, ciphertext: `${sealed.ciphertext}=` }, // padding is not ours
    ];
    for (const tampered of cases) expect(await unavailable(decryptSecret(ring, tampered, AAD))).toBe("decrypt_failed");
  });

  it("a value under a version the ring does not hold is unknown_kek; the same version with another key is decrypt_failed", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const sealed = await encryptSecret(ring, apiKey(), AAD);
    expect(await unavailable(decryptSecret(parseKeyring(`v2:${material()}`), sealed, AAD))).toBe("unknown_kek");
    expect(await unavailable(decryptSecret(ring, { ...sealed, kekVersion: 7 }, AAD))).toBe("unknown_kek");
    expect(await unavailable(decryptSecret(parseKeyring(`v1:${material()}`), sealed, AAD))).toBe("decrypt_failed");
  });

  it("rotates: v1 values read under v2,v1, reencrypt moves them to v2, and v2 alone reads only the moved value", async () => {
    const A = material();
    const B = material();
    const v1 = parseKeyring(`v1:${A}`);
    const v2v1 = parseKeyring(`v2:${B},v1:${A}`);
    const v2 = parseKeyring(`v2:${B}`);
    expect(v2v1.current).toBe(2);
    expect(v2v1.versions).toEqual([2, 1]);

    const key = apiKey();
    const old = await encryptSecret(v1, key, AAD);
    expect(await decryptSecret(v2v1, old, AAD)).toBe(key);

    const moved = await reencrypt(v2v1, old, AAD);
    expect(moved?.kekVersion).toBe(2);
    if (!moved) throw new Error("expected a re-encrypted value");
    expect(moved.iv).not.toBe(old.iv);
    expect(await reencrypt(v2v1, moved, AAD)).toBeNull(); // already current
    expect(await encryptSecret(v2v1, key, AAD)).toMatchObject({ kekVersion: 2 });

    expect(await decryptSecret(v2, moved, AAD)).toBe(key);
    expect(await unavailable(decryptSecret(v2, old, AAD))).toBe("unknown_kek");
    // Re-encryption keeps the slot binding.
    expect(await unavailable(reencrypt(v2v1, old, "other-co|openai"))).toBe("decrypt_failed");
  });

  it("without PROVIDER_KEY_KEKS the ring is empty: encrypt, decrypt and reencrypt fail with no_kek", async () => {
    for (const secret of [undefined, "", "   ", "\n"]) {
      const ring = parseKeyring(secret);
      expect(ring.current).toBeNull();
      expect(ring.versions).toEqual([]);
      expect(await unavailable(encryptSecret(ring, apiKey(), AAD))).toBe("no_kek");
    }
    const sealed = await encryptSecret(parseKeyring(`v1:${material()}`), apiKey(), AAD);
    expect(await unavailable(decryptSecret(parseKeyring(undefined), sealed, AAD))).toBe("no_kek");
    expect(await unavailable(reencrypt(parseKeyring(""), sealed, AAD))).toBe("no_kek");
  });

  it("never puts the plaintext in its error messages", async () => {
    const ring = parseKeyring(`v1:${material()}`);
    const key = apiKey();
    const sealed = await encryptSecret(ring, key, AAD);
    for (const attempt of [
      decryptSecret(ring, sealed, "x|openai"),
      decryptSecret(ring, { ...sealed, kekVersion: 9 }, AAD),
      encryptSecret(parseKeyring(undefined), key, AAD),
    ]) {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeyUnavailableError);
      expect(String((error as Error).message)).not.toContain(key);
      expect(String((error as Error).message)).not.toContain(sealed.ciphertext);
    }
  });
});

describe("PROVIDER_KEY_KEKS parsing", () => {
  it("takes the first entry as current, tolerates surrounding whitespace, and caches the ring per secret", () => {
    const A = material();
    const B = material();
    const ring = parseKeyring(` v3:${B} , v1:${A}\n`);
    expect(ring).toEqual({ current: 3, versions: [3, 1] });
    expect(parseKeyring(` v3:${B} , v1:${A}\n`)).toBe(ring);
    expect(parseKeyring(`v3:${B},v1:${A}`)).not.toBe(ring); // another secret text, another ring
    // A ring holds no key material: logging or serialising it leaks nothing.
    expect(JSON.stringify(ring)).not.toContain(A.slice(0, 8));
    expect(JSON.stringify(ring)).not.toContain(B.slice(0, 8));
    // Unpadded base64 is accepted too.
    expect(parseKeyring(`v1:${A.replace(/=+$/, "")}`).current).toBe(1);
  });

  it("rejects each malformed secret with a problem code and a message that never contains the key material", () => {
    const A = material();
    const B = material();
    const short = material(16);
    const long = material(33);
    const cases: [string, KeyringProblem, string[]][] = [
      [`v1${A}`, "syntax", [A]], // no colon
      [A, "syntax", [A]], // the bare key, version forgotten
      [`v1:${A},`, "syntax", [A]], // trailing comma
      [`,v1:${A}`, "syntax", [A]],
      [`v2:${B},,v1:${A}`, "syntax", [A, B]],
      [`1:${A}`, "bad_version", [A]],
      [`v0:${A}`, "bad_version", [A]],
      [`v-1:${A}`, "bad_version", [A]],
      [`v1.5:${A}`, "bad_version", [A]],
      [`vx:${A}`, "bad_version", [A]],
      [`v01:${A}`, "bad_version", [A]],
      [`v1e3:${A}`, "bad_version", [A]],
      [`v1000000000:${A}`, "bad_version", [A]],
      [`${A.slice(0, 20)}:${A.slice(20)}`, "bad_version", [A.slice(0, 20), A.slice(20)]],
      [`v1:${A},v1:${B}`, "duplicate_version", [A, B]],
      [`v2:${A},v1:${B},v2:${material()}`, "duplicate_version", [A, B]],
      [`v1:${short}`, "bad_key", [short]],
      [`v1:${long}`, "bad_key", [long]],
      [`v1:`, "bad_key", []],
      [`v1:${A.replace(/\+|\//g, "-").replace(/[A-Z]/, "_")}!`, "bad_key", [A.slice(0, 10)]],
      [`v1:${A.slice(0, 20)} ${A.slice(20)}`, "bad_key", [A.slice(0, 20), A.slice(20)]],
      [`v2:${B},v1:${short}`, "bad_key", [B, short]],
    ];
    for (const [secret, problem, secrets] of cases) {
      const got = configProblem(secret);
      expect(got.problem, secret).toBe(problem);
      expect(got.message).toMatch(/^PROVIDER_KEY_KEKS: /);
      for (const s of secrets) {
        // Neither the whole value nor any 8-character piece of it appears.
        for (let i = 0; i + 8 <= s.length; i += 4) expect(got.message, `${problem}: ${got.message}`).not.toContain(s.slice(i, i + 8));
      }
    }
  });

  it("names the entry and version at fault", () => {
    expect(configProblem(`v2:${material()},v1:${material(31)}`).message).toBe(
      "PROVIDER_KEY_KEKS: entry 2 (v1): the key must decode to exactly 32 bytes, not 31",
    );
    expect(configProblem(`v2:${material()},v2:${material()}`).message).toBe("PROVIDER_KEY_KEKS: entries 1 and 2 both have version v2");
  });

  it("newKekEntry makes an entry the parser accepts, with fresh material each time", () => {
    const entry = newKekEntry(4);
    expect(entry).toMatch(/^v4:[A-Za-z0-9+/]{43}=$/);
    expect(newKekEntry(4)).not.toBe(entry);
    expect(parseKeyring(`${newKekEntry(5)},${entry}`)).toEqual({ current: 5, versions: [5, 4] });
    for (const bad of [0, -1, 1.5, Number.NaN, 1e10]) expect(() => newKekEntry(bad)).toThrow(RangeError);
  });
});

describe("what the API shows of a key", () => {
  it("fingerprint is sha256: and the first 16 hex digits of SHA-256", async () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 test vector).
    expect(await fingerprintOf("abc")).toBe("sha256:ba7816bf8f01cfea");
    const key = apiKey();
    expect(await fingerprintOf(key)).toBe(await fingerprintOf(key));
    expect(await fingerprintOf(key)).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(await fingerprintOf(key)).not.toBe(await fingerprintOf(apiKey()));
  });

  it("mask shows the first 3 and last 4 characters, never the middle", () => {
    const key = apiKey();
    expect(maskOf(key)).toBe(`sk-…${key.slice(-4)}`);
    const middle = key.slice(3, -4);
    for (let i = 0; i + 4 <= middle.length; i++) expect(maskOf(key)).not.toContain(middle.slice(i, i + 4));
    expect(maskOf("abcdefghijklmnopqrstuvwx")).toBe("abc…uvwx"); // 24: prefix shown
  });

  it("mask shows only the last 4 characters of keys under 24 characters, and nothing of shorter values", () => {
    expect(maskOf("abcdefghijklmnopqrstuvw")).toBe("…tuvw"); // 23
    expect(maskOf("abcdefghijklmnopqrst")).toBe("…qrst"); // 20
    expect(maskOf("abcdefghijklmnopqrs")).toBe("…"); // 19: not a valid key; show nothing
    expect(maskOf("")).toBe("…");
  });
});

describe("ProviderKeyPut", () => {
  it("accepts OpenAI keys and other OpenAI-compatible formats, trimmed", () => {
    const key = apiKey();
    expect(ProviderKeyPut.parse({ key })).toEqual({ key });
    expect(ProviderKeyPut.parse({ key: `  ${key}\n` })).toEqual({ key });
    expect(ProviderKeyPut.parse({ key: "gsk_0123456789abcdefghij" }).key).toBe("gsk_0123456789abcdefghij");
    expect(ProviderKeyPut.parse({ key: "x".repeat(20) }).key).toHaveLength(20);
    expect(ProviderKeyPut.parse({ key: "x".repeat(512) }).key).toHaveLength(512);
    expect(ProviderKeyPut.parse({ key: "!~".repeat(10) }).key).toBe("!~".repeat(10));
  });

  it("rejects whitespace inside, non-ASCII, too short, too long, unknown fields and non-strings, without echoing the key", () => {
    const key = apiKey();
    const cases: [unknown, string][] = [
      [{ key: `${key.slice(0, 20)} ${key.slice(20)}` }, "must be printable ASCII without spaces"],
      [{ key: `${key.slice(0, 20)}\t${key.slice(20)}` }, "must be printable ASCII without spaces"],
      [{ key: `${key.slice(0, 20)}\n${key.slice(20)}` }, "must be printable ASCII without spaces"],
      [{ key: `${key}é` }, "must be printable ASCII without spaces"],
      [{ key: `${key}\u0000` }, "must be printable ASCII without spaces"],
      [{ key: key.slice(0, 19) }, "must be at least 20 characters"],
      [{ key: `  ${key.slice(0, 19)}  ` }, "must be at least 20 characters"], // length counted after trimming
      [{ key: "x".repeat(513) }, "must be at most 512 characters"],
      [{ key: "" }, "must be at least 20 characters"],
    ];
    for (const [body, message] of cases) {
      const result = ProviderKeyPut.safeParse(body);
      expect(result.success, JSON.stringify(body)).toBe(false);
      expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toContainEqual(["key", message]);
      expect(JSON.stringify(result.error?.issues)).not.toContain(key.slice(5, 17));
    }
    const unknownField = ProviderKeyPut.safeParse({ key, provider: "openai" });
    expect(unknownField.error?.issues).toMatchObject([{ code: "unrecognized_keys", keys: ["provider"] }]);
    for (const body of [{}, { key: 42 }, { key: null }, null, key]) expect(ProviderKeyPut.safeParse(body).success).toBe(false);
  });

  it("only the OpenAI-compatible provider takes a key", () => {
    expect(ProviderName.options).toEqual(["openai"]);
    expect(ProviderName.safeParse("workers-ai").success).toBe(false);
    expect(ProviderName.safeParse("OpenAI").success).toBe(false);
  });
});

describe("provider_keys storage (a real tenant object)", () => {
  it("puts, lists, gets and removes sealed keys; a replacement keeps created_at; views hold no secret", async () => {
    const tenantId = await createTenant("pk");
    const ring = parseKeyring(`v1:${material()}`);
    const key = apiKey();
    const aad = providerKeyAad(tenantId, "openai");
    const sealed = await encryptSecret(ring, key, aad);
    const write = { provider: "openai" as const, ...sealed, fingerprint: await fingerprintOf(key), mask: maskOf(key) };
    const key2 = apiKey();
    const sealed2 = await encryptSecret(ring, key2, aad);

    const result = await runInDurableObject(tenantObject(tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      const empty = providerKeys.list(db);
      const first = providerKeys.put(db, write, "2026-01-01T00:00:00.000Z");
      const got = providerKeys.get(db, "openai");
      const second = providerKeys.put(db, { ...write, ...sealed2, mask: maskOf(key2) }, "2026-02-01T00:00:00.000Z");
      const listed = providerKeys.list(db);
      const removed = providerKeys.remove(db, "openai");
      return {
        empty,
        first,
        got,
        second,
        listed,
        removed,
        removedAgain: providerKeys.remove(db, "openai"),
        after: providerKeys.get(db, "openai"),
      };
    });

    expect(result.empty).toEqual({ keys: [], unreadable: 0 });
    expect(result.first.created).toBe(true);
    expect(result.first.key).toEqual({ ...write, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" });
    expect(result.got).toEqual(result.first.key);
    expect(await decryptSecret(ring, result.got as SealedSecret, aad)).toBe(key);

    expect(result.second.created).toBe(false);
    expect(result.second.key).toMatchObject({
      ciphertext: sealed2.ciphertext,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-02-01T00:00:00.000Z",
    });
    expect(result.listed).toEqual({ keys: [result.second.key], unreadable: 0 });

    const view = toView(result.second.key);
    expect(view).toEqual({
      provider: "openai",
      mask: maskOf(key2),
      fingerprint: write.fingerprint,
      kekVersion: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-02-01T00:00:00.000Z",
    });
    expect(Object.keys(view)).not.toContain("ciphertext");
    expect(JSON.stringify(view)).not.toContain(sealed2.ciphertext);
    expect(JSON.stringify(view)).not.toContain(key2.slice(3, -4));

    expect(result.removed).toBe(true);
    expect(result.removedAgain).toBe(false);
    expect(result.after).toBeNull();
  });

  it("re-encrypts stale rows by compare-and-swap: a concurrent PUT is never overwritten", async () => {
    const tenantId = await createTenant("pk-rot");
    const A = material();
    const B = material();
    const v1 = parseKeyring(`v1:${A}`);
    const v2v1 = parseKeyring(`v2:${B},v1:${A}`);
    const aad = providerKeyAad(tenantId, "openai");
    const key = apiKey();
    const old = await encryptSecret(v1, key, aad);
    const meta = { fingerprint: await fingerprintOf(key), mask: maskOf(key) };
    const target = tenantObject(tenantId);

    const stale = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      providerKeys.put(db, { provider: "openai", ...old, ...meta }, "2026-01-01T00:00:00.000Z");
      return {
        underV2: providerKeys.staleVersions(db, 2, 10),
        underV1: providerKeys.staleVersions(db, 1, 10),
        pagedPast: providerKeys.staleVersions(db, 2, 10, "openai"),
      };
    });
    expect(stale.underV2.map((k) => [k.provider, k.kekVersion])).toEqual([["openai", 1]]);
    expect(stale.underV1).toEqual([]);
    expect(stale.pagedPast).toEqual([]);
    const row = stale.underV2[0];
    if (!row) throw new Error("expected a stale row");

    // The task re-encrypts outside the transaction; meanwhile an admin PUTs a new key.
    const moved = await reencrypt(v2v1, row, aad);
    if (!moved) throw new Error("expected a re-encrypted value");
    const newKey = apiKey();
    const fresh = await encryptSecret(v2v1, newKey, aad);
    const raced = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      providerKeys.put(
        db,
        { provider: "openai", ...fresh, fingerprint: await fingerprintOf(newKey), mask: maskOf(newKey) },
        "2026-03-01T00:00:00.000Z",
      );
      const swapped = providerKeys.replaceCiphertext(db, "openai", moved, row.ciphertext, "2026-03-02T00:00:00.000Z");
      return { swapped, now: providerKeys.get(db, "openai") };
    });
    expect(raced.swapped).toBe(false);
    expect(raced.now).toMatchObject({ ciphertext: fresh.ciphertext, kekVersion: 2, updatedAt: "2026-03-01T00:00:00.000Z" });
    expect(await decryptSecret(v2v1, raced.now as SealedSecret, aad)).toBe(newKey);

    // Without a race the swap lands: the row moves to v2 and decrypts under v2 alone.
    const again = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      providerKeys.put(db, { provider: "openai", ...old, ...meta }, "2026-04-01T00:00:00.000Z");
      const swapped = providerKeys.replaceCiphertext(db, "openai", moved, old.ciphertext, "2026-04-02T00:00:00.000Z");
      return { swapped, now: providerKeys.get(db, "openai"), stale: providerKeys.staleVersions(db, 2, 10) };
    });
    expect(again.swapped).toBe(true);
    expect(again.now).toMatchObject({ ...moved, ...meta, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-04-02T00:00:00.000Z" });
    expect(again.stale).toEqual([]);
    expect(await decryptSecret(parseKeyring(`v2:${B}`), again.now as SealedSecret, aad)).toBe(key);

    // A removed row is not resurrected by a late swap.
    const gone = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      providerKeys.remove(db, "openai");
      return {
        swapped: providerKeys.replaceCiphertext(db, "openai", moved, moved.ciphertext, "2026-05-01T00:00:00.000Z"),
        now: providerKeys.get(db, "openai"),
      };
    });
    expect(gone).toEqual({ swapped: false, now: null });
  });

  it("parses rows read back: an unknown provider or a corrupt row is skipped and counted, not cast", async () => {
    const tenantId = await createTenant("pk-bad");
    const target = tenantObject(tenantId);
    await tamper(
      tenantId,
      "INSERT INTO provider_keys (provider, kek_version, iv, ciphertext, fingerprint, mask, created_at, updated_at) VALUES ('anthropic', 1, 'aXY', 'Y3Q', 'f', 'm', 'c', 'u')",
    );
    await tamper(
      tenantId,
      "INSERT INTO provider_keys (provider, kek_version, iv, ciphertext, fingerprint, mask, created_at, updated_at) VALUES ('openai', 0, 'aXY', 'Y3Q', 'f', 'm', 'c', 'u')",
    );
    const read = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      return { list: providerKeys.list(db), get: providerKeys.get(db, "openai"), stale: providerKeys.staleVersions(db, 2, 10) };
    });
    expect(read).toEqual({ list: { keys: [], unreadable: 2 }, get: null, stale: [] });

    // A PUT heals the corrupt row.
    const healed = await runInDurableObject(target, async (_i, state) => {
      const db = new Db(state.storage);
      const put = providerKeys.put(
        db,
        { provider: "openai", kekVersion: 1, iv: "aXY", ciphertext: "Y3Q", fingerprint: "f", mask: "m" },
        "now",
      );
      return { created: put.created, list: providerKeys.list(db) };
    });
    expect(healed.created).toBe(false);
    expect(healed.list.keys.map((k) => k.provider)).toEqual(["openai"]);
    expect(healed.list.unreadable).toBe(1);
  });
});

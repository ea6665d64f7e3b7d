import { fromBase64, fromBase64Url, sha256, toBase64, toBase64Url, toHex } from "../../../schemas/encoding";
/**
 * Envelope encryption for secrets tenants hand us (provider API keys): AES-256-GCM under a
 * key-encryption key (KEK) from the `PROVIDER_KEY_KEKS` Worker secret, WebCrypto only.
 *
 * The secret is a versioned ring, `v2:<base64 32 bytes>,v1:<base64 32 bytes>`: the first entry
 * encrypts, every entry decrypts. Each stored value records its KEK version, so a new KEK can be
 * introduced and old values re-encrypted while the service keeps answering. Rotation runbook:
 *  1. `newKekEntry(N + 1)`, append it to the secret (decrypt-only) and deploy: every isolate can
 *     now read values written under N + 1 before any isolate writes one.
 *  2. Move it to the front and deploy: new writes use N + 1.
 *  3. Re-encrypt (data/provider-keys.ts `staleVersions` → `reencrypt` → `replaceCiphertext`) until
 *     no tenant has a stale row, then drop vN from the secret.
 *
 * The additional data binds a ciphertext to its slot (`tenantId|provider`): a value copied to
 * another tenant or provider fails authentication instead of decrypting. Error messages name the
 * problem and the version, never key material or plaintext.
 */

/** AES-256: 32-byte KEKs. */
export const KEK_BYTES = 32;
/**
 * 96-bit random IV per encryption (NIST SP 800-38D §8.2.2): safe for up to 2^32 encryptions under
 * one KEK, far beyond a few keys per tenant per rotation.
 */
export const IV_BYTES = 12;
const TAG_BITS = 128;
/** Versions are `v1` … `v999999999`: a positive integer that survives SQLite and JSON unchanged. */
export const MAX_KEK_VERSION = 999_999_999;

/** A secret as stored: which KEK sealed it, its IV and its ciphertext (tag included), base64url. */
export interface SealedSecret {
  kekVersion: number;
  iv: string;
  ciphertext: string;
}

/**
 * A parsed `PROVIDER_KEY_KEKS`. Holds no key material itself (the imported keys live in a
 * module-private WeakMap), so logging or serialising a ring leaks nothing.
 */
export interface Keyring {
  /** The version new values are encrypted under; null when the secret is unset. */
  readonly current: number | null;
  /** Every version this ring decrypts, current first. */
  readonly versions: readonly number[];
}

export type KeyringProblem = "syntax" | "bad_version" | "duplicate_version" | "bad_key";

/** `PROVIDER_KEY_KEKS` is malformed: a deployment error, never a tenant's fault. */
export class KeyringConfigError extends Error {
  override readonly name = "KeyringConfigError";
  constructor(
    readonly problem: KeyringProblem,
    message: string,
    secretName = "PROVIDER_KEY_KEKS",
  ) {
    super(`${secretName}: ${message}`);
  }
}

export type KeyUnavailableReason =
  /** No KEK is configured: nothing can be encrypted or decrypted. */
  | "no_kek"
  /** The value was sealed under a KEK version the ring no longer (or not yet) holds. */
  | "unknown_kek"
  /** Authentication failed: tampered, malformed, copied from another slot, or a different key under the same version. */
  | "decrypt_failed";

export class KeyUnavailableError extends Error {
  override readonly name = "KeyUnavailableError";
  constructor(
    readonly reason: KeyUnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

interface Kek {
  material: Uint8Array<ArrayBuffer>;
  key: Promise<CryptoKey> | null;
}

/** The key material behind each ring, imported lazily once per version. */
const keksOf = new WeakMap<Keyring, Map<number, Kek>>();
/**
 * Rings by the secret text that produced them, so every call with the same secret reuses the same
 * imported CryptoKeys. An isolate sees one secret, two around a rotation: a tiny bound is plenty.
 */
const ringsBySecret = new Map<string, Keyring>();
const RING_CACHE_LIMIT = 4;

const EMPTY_RING: Keyring = Object.freeze({ current: null, versions: Object.freeze([]) });

/**
 * Parses a key ring secret (`PROVIDER_KEY_KEKS`, `SESSION_KEYS`). Unset or blank gives a ring with
 * no key (`current: null`) so that a deployment without the secret still starts; encrypting then
 * fails with `no_kek`. Anything else malformed throws KeyringConfigError, whose message names the
 * secret and the entry by position and version only.
 */
export function parseKeyring(secret: string | undefined, secretName = "PROVIDER_KEY_KEKS"): Keyring {
  const text = secret?.trim() ?? "";
  if (text === "") return EMPTY_RING;
  const cached = ringsBySecret.get(text);
  if (cached) return cached;
  const bad = (problem: KeyringProblem, message: string) => new KeyringConfigError(problem, message, secretName);

  const keks = new Map<number, Kek>();
  const entryOf = new Map<number, number>();
  const entries = text.split(",");
  for (const [index, raw] of entries.entries()) {
    const n = index + 1;
    const entry = raw.trim();
    if (entry === "") throw bad("syntax", `entry ${n} is empty (entries are comma-separated v<N>:<base64>)`);
    const colon = entry.indexOf(":");
    if (colon < 0) throw bad("syntax", `entry ${n} is not of the form v<N>:<base64>`);
    const label = entry.slice(0, colon).trim();
    if (!/^v[1-9][0-9]{0,8}$/.test(label))
      throw bad("bad_version", `entry ${n}: the version must be "v" and an integer from 1 to ${MAX_KEK_VERSION}`);
    const version = Number(label.slice(1));
    const earlier = entryOf.get(version);
    if (earlier !== undefined) throw bad("duplicate_version", `entries ${earlier} and ${n} both have version v${version}`);
    entryOf.set(version, n);
    const material = fromBase64(entry.slice(colon + 1).trim());
    if (material === null) throw bad("bad_key", `entry ${n} (v${version}): the key is not valid base64`);
    if (material.length !== KEK_BYTES)
      throw bad("bad_key", `entry ${n} (v${version}): the key must decode to exactly ${KEK_BYTES} bytes, not ${material.length}`);
    keks.set(version, { material, key: null });
  }

  const versions = Object.freeze([...keks.keys()]);
  const ring: Keyring = Object.freeze({ current: versions[0] ?? null, versions });
  keksOf.set(ring, keks);
  if (ringsBySecret.size >= RING_CACHE_LIMIT) {
    const oldest = ringsBySecret.keys().next();
    if (!oldest.done) ringsBySecret.delete(oldest.value);
  }
  ringsBySecret.set(text, ring);
  return ring;
}

/** The ring's AES-256-GCM key of `version` (non-extractable), or null when the ring does not hold it. */
export function cryptoKeyOf(ring: Keyring, version: number): Promise<CryptoKey> | null {
  const kek = keksOf.get(ring)?.get(version);
  if (!kek) return null;
  // Non-extractable: once imported, the key cannot be read back out of WebCrypto.
  kek.key ??= crypto.subtle.importKey("raw", kek.material, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return kek.key;
}

/** Seals `plaintext` under the ring's current KEK with a fresh random IV; `aad` names the slot it belongs to. */
export async function encryptSecret(ring: Keyring, plaintext: string, aad: string): Promise<SealedSecret> {
  const version = ring.current;
  if (version === null) throw new KeyUnavailableError("no_kek", "no key-encryption key is configured (set the PROVIDER_KEY_KEKS secret)");
  const key = cryptoKeyOf(ring, version);
  if (!key) throw new KeyUnavailableError("unknown_kek", `KEK v${version} is not in this keyring`);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(aad), tagLength: TAG_BITS },
    await key,
    utf8(plaintext),
  );
  return { kekVersion: version, iv: toBase64Url(iv), ciphertext: toBase64Url(new Uint8Array(sealed)) };
}

/** Opens a sealed value; throws KeyUnavailableError (switch on `reason`) when it cannot. */
export async function decryptSecret(ring: Keyring, stored: SealedSecret, aad: string): Promise<string> {
  if (ring.current === null)
    throw new KeyUnavailableError("no_kek", "no key-encryption key is configured (set the PROVIDER_KEY_KEKS secret)");
  const key = cryptoKeyOf(ring, stored.kekVersion);
  if (!key)
    throw new KeyUnavailableError(
      "unknown_kek",
      `the value is sealed under KEK v${String(stored.kekVersion)}, which PROVIDER_KEY_KEKS does not hold`,
    );
  const iv = fromBase64Url(stored.iv);
  const data = fromBase64Url(stored.ciphertext);
  if (iv === null || iv.length !== IV_BYTES || data === null || data.length < TAG_BITS / 8)
    throw new KeyUnavailableError("decrypt_failed", "the stored value is malformed");
  let clear: ArrayBuffer;
  try {
    clear = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8(aad), tagLength: TAG_BITS }, await key, data);
  } catch {
    throw new KeyUnavailableError(
      "decrypt_failed",
      "the stored value failed authentication (altered, copied from another slot, or a different key)",
    );
  }
  try {
    // ignoreBOM keeps a leading U+FEFF, so what comes out is exactly what went in.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(clear);
  } catch {
    throw new KeyUnavailableError("decrypt_failed", "the stored value is not UTF-8 text");
  }
}

/** The value sealed again under the current KEK (fresh IV), or null when it already is. */
export async function reencrypt(ring: Keyring, stored: SealedSecret, aad: string): Promise<SealedSecret | null> {
  if (ring.current === null)
    throw new KeyUnavailableError("no_kek", "no key-encryption key is configured (set the PROVIDER_KEY_KEKS secret)");
  if (stored.kekVersion === ring.current) return null;
  return encryptSecret(ring, await decryptSecret(ring, stored, aad), aad);
}

/**
 * `sha256:` + the first 16 hex characters (64 bits) of SHA-256(key): lets an admin tell which key
 * is stored and notice a change, without the key. Safe to show because provider keys are long
 * random tokens (≥ 20 characters, typically 40+ of base62): SHA-256 is preimage-resistant, and
 * no search over such a key space can find one that matches. It is unsalted on purpose, so the
 * same key has the same fingerprint across rotations and can be compared with `sha256sum`; the
 * cost is that a guessable (low-entropy) value could be confirmed by guessing, which the length
 * rule makes impractical for real keys.
 */
export async function fingerprintOf(plaintext: string): Promise<string> {
  return `sha256:${toHex((await sha256(plaintext)).subarray(0, 8))}`;
}

/** Shorter values show nothing; from here on the last 4, and from MASK_PREFIX_MIN the first 3 too. */
const MASK_TAIL_MIN = 20;
const MASK_PREFIX_MIN = 24;

/**
 * `sk-…9f3a`: the first 3 and last 4 characters, as providers' own dashboards show keys. At most
 * 7 characters are shown and at least 16 stay hidden (keys under 24 characters show only the last
 * 4; under 20, nothing), i.e. ≥ 95 bits of a random base62 key. The prefix of OpenAI keys (`sk-`)
 * is public anyway.
 */
export function maskOf(plaintext: string): string {
  if (plaintext.length < MASK_TAIL_MIN) return "…";
  const tail = plaintext.slice(-4);
  return plaintext.length >= MASK_PREFIX_MIN ? `${plaintext.slice(0, 3)}…${tail}` : `…${tail}`;
}

/** A new ring entry for operators: `v<N>:<base64 of 32 random bytes>`. */
export function newKekEntry(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_KEK_VERSION)
    throw new RangeError(`version must be an integer from 1 to ${MAX_KEK_VERSION}`);
  return `v${version}:${toBase64(crypto.getRandomValues(new Uint8Array(KEK_BYTES)))}`;
}

const utf8 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(new TextEncoder().encode(text));

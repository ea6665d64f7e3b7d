import { z } from "@hono/zod-openapi";
import { ProviderName, type ProviderKeyView } from "../../../schemas/provider-keys";
import type { SealedSecret } from "../crypto/envelope";
import type { Db } from "./db";

/**
 * Tenants' provider API keys, sealed (crypto/envelope.ts): this module stores and reads the sealed
 * form only and never sees a key in clear. Encrypt and decrypt outside any transaction (WebCrypto
 * is async); the writes here are synchronous.
 */

/** A stored key as read back: the sealed value and what the API may show of it. */
export interface StoredProviderKey extends SealedSecret {
  provider: ProviderName;
  fingerprint: string;
  mask: string;
  createdAt: string;
  updatedAt: string;
}

export type ProviderKeyWrite = Omit<StoredProviderKey, "createdAt" | "updatedAt">;

/** Rows are parsed, not cast: a row with a provider this version does not know, or a corrupt one, is unreadable. */
const ProviderKeyRow = z.object({
  provider: ProviderName,
  kek_version: z.number().int().positive(),
  iv: z.string().min(1),
  ciphertext: z.string().min(1),
  fingerprint: z.string(),
  mask: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

function fromRow(row: unknown): StoredProviderKey | null {
  const parsed = ProviderKeyRow.safeParse(row);
  if (!parsed.success) return null;
  const r = parsed.data;
  return {
    provider: r.provider,
    kekVersion: r.kek_version,
    iv: r.iv,
    ciphertext: r.ciphertext,
    fingerprint: r.fingerprint,
    mask: r.mask,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The additional data that binds a sealed key to its slot. Tenant ids cannot contain `|`
 * (schemas/common.ts TenantId), so no two slots share one.
 */
export function providerKeyAad(tenantId: string, provider: ProviderName): string {
  return `${tenantId}|${provider}`;
}

export const providerKeys = {
  /** Null when absent or unreadable (an unreadable row is overwritten by the next put). */
  get(db: Db, provider: ProviderName): StoredProviderKey | null {
    const row = db.one<unknown>(`SELECT * FROM provider_keys WHERE provider = ?`, provider);
    return row === null ? null : fromRow(row);
  },

  /** Readable keys by provider; `unreadable` counts rows that failed validation (for a log line, not the response). */
  list(db: Db): { keys: StoredProviderKey[]; unreadable: number } {
    const keys: StoredProviderKey[] = [];
    let unreadable = 0;
    for (const row of db.iterate<unknown>(`SELECT * FROM provider_keys ORDER BY provider`)) {
      const key = fromRow(row);
      if (key) keys.push(key);
      else unreadable++;
    }
    return { keys, unreadable };
  },

  /** Sets a provider's key; a replacement keeps the original created_at. */
  put(db: Db, key: ProviderKeyWrite, now: string): { created: boolean; key: StoredProviderKey } {
    const existed = db.one<{ n: number }>(`SELECT 1 AS n FROM provider_keys WHERE provider = ?`, key.provider) !== null;
    const row = db.one<unknown>(
      `INSERT INTO provider_keys (provider, kek_version, iv, ciphertext, fingerprint, mask, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(provider) DO UPDATE SET kek_version = excluded.kek_version, iv = excluded.iv, ciphertext = excluded.ciphertext,
         fingerprint = excluded.fingerprint, mask = excluded.mask, updated_at = excluded.updated_at
       RETURNING *`,
      key.provider,
      key.kekVersion,
      key.iv,
      key.ciphertext,
      key.fingerprint,
      key.mask,
      now,
      now,
    );
    const stored = fromRow(row);
    if (!stored) throw new Error(`provider_keys: the row written for ${key.provider} does not read back`);
    return { created: !existed, key: stored };
  },

  remove(db: Db, provider: ProviderName): boolean {
    return db.run(`DELETE FROM provider_keys WHERE provider = ?`, provider) > 0;
  },

  /**
   * Up to `limit` keys sealed under a KEK other than `currentVersion`, by provider, for the
   * re-encryption task. Pass the last provider seen as `after` to page past keys that cannot be
   * re-encrypted (e.g. their KEK is gone), which would otherwise come back on every call.
   */
  staleVersions(db: Db, currentVersion: number, limit: number, after = ""): StoredProviderKey[] {
    return db
      .all<unknown>(
        `SELECT * FROM provider_keys WHERE kek_version != ? AND provider > ? ORDER BY provider LIMIT ?`,
        currentVersion,
        after,
        limit,
      )
      .flatMap((row) => fromRow(row) ?? []);
  },

  /**
   * Compare-and-swap for re-encryption: replaces the sealed value only if the row still holds
   * `expectedOldCiphertext`, so a key an admin PUT while the task was encrypting is never
   * overwritten with the old key. Every seal has a fresh random IV, so equal ciphertext means the
   * same write. Fingerprint and mask stay (same key); updated_at records the write. False when the
   * row changed or is gone.
   */
  replaceCiphertext(db: Db, provider: ProviderName, next: SealedSecret, expectedOldCiphertext: string, now: string): boolean {
    return (
      db.run(
        `UPDATE provider_keys SET kek_version = ?, iv = ?, ciphertext = ?, updated_at = ? WHERE provider = ? AND ciphertext = ?`,
        next.kekVersion,
        next.iv,
        next.ciphertext,
        now,
        provider,
        expectedOldCiphertext,
      ) > 0
    );
  },
};

export function toView(key: StoredProviderKey): ProviderKeyView {
  return {
    provider: key.provider,
    mask: key.mask,
    fingerprint: key.fingerprint,
    kekVersion: key.kekVersion,
    createdAt: key.createdAt,
    updatedAt: key.updatedAt,
  };
}

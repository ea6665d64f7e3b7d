import { AppError, parseOr422 } from "../../../../schemas/errors";
import type { Preconditions, Tagged } from "../../../../schemas/preconditions";
import { ProviderKeyPut, ProviderName, type ProviderKeyList, type ProviderKeyView } from "../../../../schemas/provider-keys";
import { loadTenantConfig } from "../../config";
import {
  decryptSecret,
  encryptSecret,
  fingerprintOf,
  KeyUnavailableError,
  maskOf,
  parseKeyring,
  type Keyring,
} from "../../crypto/envelope";
import { providerKeyAad, providerKeys, toView, type StoredProviderKey } from "../../data/provider-keys";
import { entityTag, requirePreconditions, tagged } from "../../etag";
import type { CallContext } from "../../guard";
import type { Runtime } from "../../runtime";

/**
 * `/v1/admin/provider-keys…`: the tenant's own keys for model providers, sealed with AES-GCM
 * under the deployment's key-encryption key ring (PROVIDER_KEY_KEKS) and bound to tenant and
 * provider. Only a mask and a fingerprint ever leave this object; the copilot opens the key here.
 */
export function listKeys(rt: Runtime): ProviderKeyList {
  const { keys, unreadable } = providerKeys.list(rt.db);
  if (unreadable > 0) console.warn(JSON.stringify({ level: "warn", msg: "unreadable provider key rows", tenant: rt.name, unreadable }));
  return { keys: keys.map(toView) };
}

/** One stored key as the API shows it, and its entity tag; "not found" when none is stored (or it cannot be read). */
export function getKey(rt: Runtime, provider: ProviderName): Tagged<ProviderKeyView> {
  const name = parseOr422(ProviderName, provider);
  const stored = providerKeys.get(rt.db, name);
  if (!stored) throw new AppError("not_found", `no ${name} key is stored`);
  return tagged("provider-key", toView(stored));
}

const tagOf = (stored: StoredProviderKey | null): string | null => (stored ? entityTag("provider-key", toView(stored)) : null);

/**
 * Stores a provider key, sealed under the deployment's current KEK and bound to this tenant and
 * provider. Sealing is asynchronous, so the preconditions are checked after it, inside the write's
 * transaction, against the key stored at that moment (`If-None-Match: *` stores only a first key).
 */
export async function putKey(
  rt: Runtime,
  c: CallContext,
  provider: ProviderName,
  input: ProviderKeyPut,
  preconditions: Preconditions,
): Promise<{ created: boolean; key: ProviderKeyView; etag: string }> {
  const name = parseOr422(ProviderName, provider);
  const { key } = parseOr422(ProviderKeyPut, input);
  const ring = keyring(rt);
  if (ring.current === null)
    throw new AppError("not_ready", "provider keys cannot be stored: PROVIDER_KEY_KEKS is not set on this deployment");
  const sealed = await encryptSecret(ring, key, providerKeyAad(c.meta.id, name));
  const write = { provider: name, ...sealed, fingerprint: await fingerprintOf(key), mask: maskOf(key) };
  const result = rt.db.transaction(() => {
    requirePreconditions(preconditions, tagOf(providerKeys.get(rt.db, name)), `the ${name} key`);
    const stored = providerKeys.put(rt.db, write, new Date().toISOString());
    c.audit({
      action: "provider_key.put",
      target: `provider:${name}`,
      outcome: "ok",
      reason: `${write.fingerprint} under KEK v${sealed.kekVersion}`,
    });
    return stored;
  });
  const view = toView(result.key);
  return { created: result.created, key: view, etag: entityTag("provider-key", view) };
}

/** Deletes the stored key: "not found" when there is none, whatever the preconditions; else they must hold. */
export function deleteKey(rt: Runtime, c: CallContext, provider: ProviderName, preconditions: Preconditions): { removed: boolean } {
  const name = parseOr422(ProviderName, provider);
  return rt.db.transaction(() => {
    const current = providerKeys.get(rt.db, name);
    const removed = providerKeys.remove(rt.db, name);
    if (!removed) throw new AppError("not_found", `no ${name} key is stored`);
    // Checked after the delete only so that a missing key stays a 404; a 412 here rolls the delete back.
    requirePreconditions(preconditions, tagOf(current), `the ${name} key`);
    c.audit({ action: "provider_key.delete", target: `provider:${name}`, outcome: "ok", reason: null });
    return { removed };
  });
}

/** The deployment's KEK ring (the router refuses every call while PROVIDER_KEY_KEKS is malformed). */
export function keyring(rt: Runtime): Keyring {
  const loaded = loadTenantConfig(rt.env);
  if (!loaded.ok) throw new AppError("not_ready", "the deployment's configuration is invalid");
  return parseKeyring(loaded.config.PROVIDER_KEY_KEKS);
}

/** The tenant's own key for the configured provider, if it stored one and it can be opened. */
export async function tenantProviderKey(rt: Runtime, tenantId: string): Promise<string | undefined> {
  const loaded = loadTenantConfig(rt.env);
  if (!loaded.ok || loaded.config.COPILOT_PROVIDER !== "openai") return undefined;
  const stored = providerKeys.get(rt.db, "openai");
  if (!stored) return undefined;
  try {
    return await decryptSecret(keyring(rt), stored, providerKeyAad(tenantId, "openai"));
  } catch (error) {
    // The deployment's key is used instead; the reason (never the key) goes to the log.
    const reason = error instanceof KeyUnavailableError ? error.reason : "error";
    console.warn(
      JSON.stringify({ level: "warn", msg: "tenant provider key unusable; using the deployment's key", tenant: tenantId, reason }),
    );
    return undefined;
  }
}

import { AppError, parseOr422 } from "../../../../schemas/errors";
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
import { providerKeyAad, providerKeys, toView } from "../../data/provider-keys";
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

/** Stores a provider key, sealed under the deployment's current KEK and bound to this tenant and provider. */
export async function putKey(
  rt: Runtime,
  c: CallContext,
  provider: ProviderName,
  input: ProviderKeyPut,
): Promise<{ created: boolean; key: ProviderKeyView }> {
  const name = parseOr422(ProviderName, provider);
  const { key } = parseOr422(ProviderKeyPut, input);
  const ring = keyring(rt);
  if (ring.current === null)
    throw new AppError("not_ready", "provider keys cannot be stored: PROVIDER_KEY_KEKS is not set on this deployment");
  const sealed = await encryptSecret(ring, key, providerKeyAad(c.meta.id, name));
  const write = { provider: name, ...sealed, fingerprint: await fingerprintOf(key), mask: maskOf(key) };
  const result = rt.db.transaction(() => {
    const stored = providerKeys.put(rt.db, write, new Date().toISOString());
    c.audit({
      action: "provider_key.put",
      target: `provider:${name}`,
      outcome: "ok",
      reason: `${write.fingerprint} under KEK v${sealed.kekVersion}`,
    });
    return stored;
  });
  return { created: result.created, key: toView(result.key) };
}

export function deleteKey(rt: Runtime, c: CallContext, provider: ProviderName): { removed: boolean } {
  const name = parseOr422(ProviderName, provider);
  return rt.db.transaction(() => {
    const removed = providerKeys.remove(rt.db, name);
    if (!removed) throw new AppError("not_found", `no ${name} key is stored`);
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

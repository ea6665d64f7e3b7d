import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";

/**
 * Direct storage access for the few tests that must simulate what the API cannot do: an
 * attacker or operator rewriting rows behind the object's back (audit tampering). Everything else
 * goes through the public API.
 */
export function tenantObject(tenantId: string) {
  return env.TENANT.get(env.TENANT.idFromName(tenantId));
}

export async function tamper(tenantId: string, statement: string, ...params: (string | number | null)[]): Promise<void> {
  await runInDurableObject(tenantObject(tenantId), async (_instance, state) => {
    state.storage.sql.exec(statement, ...params);
  });
}

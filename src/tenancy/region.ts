import type { Region } from "../../schemas/common";

/**
 * Which namespace a tenant's object lives in. In production an `eu` tenant's object is created
 * through `jurisdiction("eu")`, so its data never leaves the EU; `us` and `auto` use the default
 * namespace (`us` could take a location hint; jurisdiction is the only hard guarantee).
 * workerd does not implement jurisdictions: when running locally, and only then, we fall back to
 * the default namespace and log a warning. Anywhere else a failure to pin is an error.
 */
export interface NamespaceLike<T> {
  jurisdiction(name: "eu"): T;
}

const warned = new Set<string>();

export function namespaceForRegion<T extends NamespaceLike<T>>(namespace: T, region: Region, runningLocally: boolean): T {
  if (region !== "eu") return namespace;
  try {
    return namespace.jurisdiction("eu");
  } catch (error) {
    if (!runningLocally) throw error;
    if (!warned.has("eu")) {
      warned.add("eu");
      console.warn(
        JSON.stringify({ level: "warn", msg: "jurisdiction('eu') unavailable locally; using the default namespace", error: String(error) }),
      );
    }
    return namespace;
  }
}

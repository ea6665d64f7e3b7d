import { principalKey } from "../../schemas/identity";
import type { Directory } from "./directory";

/**
 * How to reach the Directory's instances, for the router and for the tenant objects alike (a
 * tenant anchors its audit head in the registry): the `registry`, and one small instance per
 * identity, named `principal:<issuer>|<subject>`.
 */
export const REGISTRY = "registry";

export function registry(env: Env): DurableObjectStub<Directory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(REGISTRY)) as DurableObjectStub<Directory>;
}

export function principalDirectory(env: Env, p: { issuer: string; subject: string }): DurableObjectStub<Directory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(`principal:${principalKey(p)}`)) as DurableObjectStub<Directory>;
}

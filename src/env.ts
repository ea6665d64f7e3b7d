import type { Config } from "./config";
import type { Principal } from "../schemas/identity";
import type { Region, Role } from "../schemas/common";
import type { RateState } from "../schemas/rpc";
import type { ServerTiming } from "./middleware/server-timing";
import type { SelectedTenant } from "./tenancy/call";

/** Hono environment: bindings plus what the middleware chain establishes for each request. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Phases of this request, for the Server-Timing header. */
    timing: ServerTiming;
    config: Config;
    principal: Principal;
    /** The member's tenant for this request, once a call selected it. */
    selected: SelectedTenant | undefined;
    /** Set once the tenant is selected or named; used by the request log. */
    tenantId: string;
    /** The selected tenant's region (set with it by tenant selection; platform routes leave it unset). */
    region: Region;
    role: Role;
    /** Rate-limit state reported by the tenant object, written as headers on success and error alike. */
    rate: RateState;
  };
}

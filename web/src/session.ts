import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Me } from "../../schemas/identity";

/** Who is signed in, in which tenant, and how to switch tenant or sign out. */
export interface Session {
  me: Me;
  switchTenant: (tenantId: string) => void;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

/** The tenant last chosen on this device (per identity), so a reload stays in it. */
export const rememberedTenant = {
  key: (me: Me) => `fieldpilot.tenant.${me.user.issuer}|${me.user.subject}`,
  get(me: Me): string | null {
    return localStorage.getItem(this.key(me));
  },
  set(me: Me, tenantId: string): void {
    localStorage.setItem(this.key(me), tenantId);
  },
};

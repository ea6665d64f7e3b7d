import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { ConnectionStatus, RealtimeConnection } from "./realtime";

/** The signed-in page's one realtime connection (made by the shell, per tenant). */
export const RealtimeContext = createContext<RealtimeConnection | null>(null);

export function useRealtime(): RealtimeConnection {
  const conn = useContext(RealtimeContext);
  if (!conn) throw new Error("useRealtime outside a signed-in page");
  return conn;
}

export function useConnectionStatus(conn: RealtimeConnection): ConnectionStatus {
  const [status, setStatus] = useState<ConnectionStatus>(conn.status);
  useEffect(() => conn.onStatus(setStatus), [conn]);
  return status;
}

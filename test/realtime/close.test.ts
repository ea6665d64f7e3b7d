import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call } from "../helpers/api";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

/**
 * Closing a socket from the client completes the close handshake at once, also when the client
 * sends no status code (`ws.close()`, a Close frame without a body, seen by the server as 1005):
 * partyserver reciprocates only Close frames with a code, so without our own answer the client
 * waits for its close timeout.
 */
const worker = (exports as unknown as { default: Fetcher }).default;

async function openSocket(token: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; afterMs: number }> }> {
  const ticket = await call("/v1/realtime/ticket", { method: "POST", token });
  expect(ticket.status, ticket.text).toBe(200);
  const res = await worker.fetch(
    new Request(`${BASE}/v1/realtime?ticket=${encodeURIComponent(ticket.body.ticket)}`, { headers: { upgrade: "websocket" } }),
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  ws.accept();
  const presence = new Promise<void>((resolve) =>
    ws.addEventListener("message", (e) => {
      if (String(e.data).includes('"presence"')) resolve();
    }),
  );
  let closeStarted = 0;
  const closed = new Promise<{ code: number; afterMs: number }>((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, afterMs: Date.now() - closeStarted })),
  );
  await presence;
  return {
    ws,
    closed: (async () => {
      closeStarted = Date.now();
      return closed;
    })(),
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no close within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a socket the client closes", () => {
  it("closes at once when the client sends no status code (the server answers 1000)", async () => {
    const cast = await tenantWithCast("rt-close");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const { ws, closed } = await openSocket(cast.technician);
    ws.close();
    const outcome = await within(closed, 3_000, "close without a code");
    expect(outcome.code).toBe(1000);
  });

  it("closes at once with code 1000 when the client sends 1000", async () => {
    const cast = await tenantWithCast("rt-close1000");
    const { ws, closed } = await openSocket(cast.technician);
    ws.close(1000, "done");
    const outcome = await within(closed, 3_000, "close 1000");
    expect(outcome.code).toBe(1000);
  });
});

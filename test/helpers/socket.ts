import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ServerMessage } from "../../schemas/realtime";
import { BASE, call } from "./api";

/** Sockets for the realtime tests: a client that parses every frame with the server schema, upgrades, tickets. */
export const worker = (exports as unknown as { default: Fetcher }).default;

export type Frame = Record<string, any>;

/** A test WebSocket client: every frame it receives is parsed with the server schema and kept. */
export class Client {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const value = JSON.parse(String(event.data));
      // Every server frame matches the published schema.
      const parsed = ServerMessage.safeParse(value);
      if (!parsed.success) throw new Error(`server sent a frame outside the schema: ${String(event.data)}`);
      this.frames.push(value);
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  of(type: string, id?: string): Frame[] {
    return this.frames.filter((f) => f.type === type && (id === undefined || f.id === id));
  }

  async until(predicate: (c: Client) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Waits for the final frame (answer, brief or error) of message `id`. */
  async outcome(id: string): Promise<Frame> {
    const final = (f: Frame) => f.id === id && (f.type === "answer" || f.type === "brief" || f.type === "error");
    await this.until((c) => c.frames.some(final), `outcome of ${id}`);
    return this.frames.find(final) as Frame;
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    await this.until((c) => c.closed !== null, "close");
    return this.closed as { code: number; reason: string };
  }

  close(): void {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

export interface Upgrade {
  status: number;
  client: Client | null;
  body: any;
  headers: Headers;
}

export async function upgrade(
  path: string,
  headers: Record<string, string> = {},
  fetcher: (r: Request) => Promise<Response> = (r) => worker.fetch(r),
): Promise<Upgrade> {
  const res = await fetcher(new Request(`${BASE}${path}`, { headers: { upgrade: "websocket", ...headers } }));
  if (res.status === 101 && res.webSocket) return { status: 101, client: new Client(res.webSocket), body: null, headers: res.headers };
  const text = await res.text();
  return { status: res.status, client: null, body: text === "" ? null : JSON.parse(text), headers: res.headers };
}

export async function ticketFor(token: string, tenant?: string): Promise<string> {
  const res = await call("/v1/realtime/ticket", { method: "POST", token, ...(tenant ? { tenant } : {}) });
  expect(res.status).toBe(200);
  return res.body.ticket;
}

export async function connect(token: string): Promise<Client> {
  const ticket = await ticketFor(token);
  const opened = await upgrade(`/v1/realtime?ticket=${encodeURIComponent(ticket)}`);
  expect(opened.status).toBe(101);
  const client = opened.client as Client;
  await client.until((c) => c.of("presence").length > 0, "first presence");
  return client;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

/**
 * A fake OpenAI-compatible server on loopback that speaks the real streaming protocol
 * (`POST /v1/chat/completions` answered with `text/event-stream`). Tests script it per model
 * name: the `model` of a request is the key of a queue of scripted responses, so tests running
 * in parallel never see each other's answers.
 *
 *   POST /__script            {key, responses: FakeResponse[]}  replaces the queue for `key`
 *   GET  /__requests/:key     every request received for `key`: {authorization, body}
 *   POST /v1/chat/completions answers with the next scripted response for body.model (500 when none)
 *
 * A response writes its `chunks` one by one (`delayMs` apart, so they arrive as separate reads),
 * or hangs: `hang: "before-headers"` never answers, `hang: "after-chunks"` keeps the stream open.
 */
export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  chunks?: string[];
  delayMs?: number;
  hang?: "before-headers" | "after-chunks";
}

export interface ReceivedRequest {
  authorization: string | null;
  url: string;
  body: unknown;
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeLlmUrl: string;
  }
}

let server: Server | undefined;

export default async function setup(project: TestProject) {
  const scripts = new Map<string, FakeResponse[]>();
  const received = new Map<string, ReceivedRequest[]>();

  server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "POST" && url.pathname === "/__script") {
      const { key, responses } = JSON.parse(await readBody(req)) as { key: string; responses: FakeResponse[] };
      scripts.set(key, [...responses]);
      received.set(key, []);
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && url.pathname.startsWith("/__requests/")) {
      const key = decodeURIComponent(url.pathname.slice("/__requests/".length));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(key) ?? []));
      return;
    }
    if (req.method === "POST" && url.pathname.endsWith("/chat/completions")) {
      const text = await readBody(req);
      const body = JSON.parse(text) as { model?: string };
      const key = String(body.model);
      const log = received.get(key) ?? [];
      log.push({ authorization: req.headers.authorization ?? null, url: url.pathname, body });
      received.set(key, log);
      const next = scripts.get(key)?.shift();
      if (!next) {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no script for ${key}` } }));
        return;
      }
      if (next.hang === "before-headers") return;
      res.writeHead(next.status ?? 200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...next.headers });
      res.flushHeaders();
      for (const chunk of next.chunks ?? []) {
        res.write(chunk);
        if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
      }
      if (next.hang === "after-chunks") return;
      res.end();
      return;
    }
    res.writeHead(404).end();
  }

  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  project.provide("fakeLlmUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

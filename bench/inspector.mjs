/**
 * The worker isolate's JS heap, read through the V8 inspector that `wrangler dev --inspector-port`
 * exposes (used by the realtime benchmark, bench/realtime.mjs).
 *
 * How it gets there: `GET http://127.0.0.1:<port>/json` lists the user worker (one target,
 * `ws://127.0.0.1:<port>/ws`); wrangler's inspector proxy refuses a WebSocket upgrade without an
 * allowed `Origin` (loopback is allowed), so the client sends `Origin: http://127.0.0.1`. It
 * then speaks the Chrome DevTools Protocol over Node 22's global WebSocket. The proxy allows one
 * client at a time, and it forwards its own command replies to that client too (ids around 1e8),
 * so this client numbers its commands from 1e9 and ignores everything else.
 *
 * Forced GC: `HeapProfiler.collectGarbage` makes V8 post the GC as a foreground task. workerd
 * runs an isolate's foreground tasks only after a request ran JS in it (io-context.c++ pumps the
 * message loop after the microtasks), so on an idle isolate the command never answers. A
 * `poke()` (the caller sends `GET /healthz`, which runs in the router and calls no object) lets
 * it run. `HeapProfiler.takeHeapSnapshot` (which workerd implements itself) also collects all
 * garbage first; it is used at a few moments to see which kinds of object grew, not for the sizes.
 *
 * `Runtime.getHeapUsage` covers the whole isolate: the router, the Directory and every Durable
 * Object that is alive in it (locally they share one isolate). `usedSize` is the V8 heap,
 * `embedderHeapUsedSize` workerd's C++ (cppgc) heap, `backingStorageSize` ArrayBuffer stores.
 * Memory workerd keeps outside V8 (a hibernated socket's attachment bytes and tags, kj buffers)
 * is in none of them.
 *
 * Console messages: under `wrangler dev` the isolate runs with an inspector, and V8's inspector
 * keeps the last console messages (up to 1,000) with their strings. The app logs one JSON line per
 * request, so each socket's ticket request and upgrade left two ~230-byte lines in the heap (seen
 * in a snapshot, retained by "DevTools console"). Each reading and snapshot discards them first
 * (`Runtime.discardConsoleEntries`): they are an artefact of the dev inspector, not app state.
 *
 * BENCH_HEAP_DUMP=<dir> keeps every snapshot there (open them in DevTools' Memory tab).
 */

import { writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";

const ORIGIN = "http://127.0.0.1";
const FIRST_ID = 1_000_000_000;

export class IsolateHeap {
  /** @param {string} url the target's webSocketDebuggerUrl */
  constructor(url, ws) {
    this.url = url;
    this.ws = ws;
    this.nextId = FIRST_ID;
    this.pending = new Map();
    this.chunks = null;
    this.closed = false;
    ws.addEventListener("message", (e) => this.#onMessage(e.data));
    ws.addEventListener("close", () => {
      this.closed = true;
      for (const [, p] of this.pending) p.reject(new Error("inspector socket closed"));
      this.pending.clear();
    });
  }

  /** Connects to the first target of the inspector on `host:port` (the user worker). */
  static async connect(host, port, timeoutMs = 10_000) {
    const res = await fetch(`http://${host}:${port}/json`, { signal: AbortSignal.timeout(timeoutMs) });
    const targets = await res.json();
    const target = targets.find((t) => typeof t.webSocketDebuggerUrl === "string");
    if (!target) throw new Error(`no inspector target at ${host}:${port}/json: ${JSON.stringify(targets).slice(0, 300)}`);
    // Node's WebSocket (undici) accepts headers; browsers could not set Origin, DevTools sends its own.
    const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: ORIGIN } });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("inspector socket did not open")), timeoutMs);
      ws.addEventListener("open", () => (clearTimeout(timer), resolve()));
      ws.addEventListener("error", (e) => (clearTimeout(timer), reject(new Error(`inspector socket: ${e.message ?? "error"}`))));
    });
    return new IsolateHeap(target.webSocketDebuggerUrl, ws);
  }

  #onMessage(data) {
    if (typeof data !== "string") return;
    // Heap snapshot chunks are large: match them before parsing the rest.
    if (this.chunks !== null && data.startsWith('{"method":"HeapProfiler.addHeapSnapshotChunk"')) {
      this.chunks.push(JSON.parse(data).params.chunk);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const p = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message ?? JSON.stringify(msg.error)}`));
    else p.resolve(msg.result ?? {});
  }

  /** One CDP command; rejects on a protocol error or after `timeoutMs`. */
  call(method, params = {}, timeoutMs = 30_000) {
    if (this.closed) return Promise.reject(new Error("inspector socket closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A full GC: collectGarbage, then poke the isolate until V8's GC task has run (bounded). */
  async collectGarbage(poke) {
    if (!this.heapProfilerEnabled) {
      await this.call("HeapProfiler.enable");
      this.heapProfilerEnabled = true;
    }
    let done = false;
    const gc = this.call("HeapProfiler.collectGarbage", {}, 15_000).then(() => (done = true));
    gc.catch(() => {});
    for (let k = 0; k < 20 && !done; k++) {
      await poke();
      await Promise.race([gc, new Promise((r) => setTimeout(r, 250))]);
    }
    await gc;
  }

  /** `samples` readings of Runtime.getHeapUsage, each right after a forced GC; medians per field. */
  async reading(poke, samples = 5) {
    const rows = [];
    const started = performance.now();
    for (let k = 0; k < samples; k++) {
      await this.call("Runtime.discardConsoleEntries");
      await this.collectGarbage(poke);
      rows.push(await this.call("Runtime.getHeapUsage"));
    }
    const med = (key) => {
      const v = rows.map((r) => r[key]).filter(Number.isFinite);
      return v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : null;
    };
    const used = rows.map((r) => r.usedSize);
    return {
      usedSize: med("usedSize"),
      totalSize: med("totalSize"),
      embedderHeapUsedSize: med("embedderHeapUsedSize"),
      backingStorageSize: med("backingStorageSize"),
      usedSpread: Math.max(...used) - Math.min(...used),
      samples,
      ms: Math.round(performance.now() - started),
    };
  }

  /**
   * One heap snapshot (it collects all garbage first), reduced to node counts and self sizes per
   * `type:name` (strings, whose name is their text, count as one bucket). The snapshot itself is
   * dropped. Compare two with `diffObjects`.
   */
  async countObjects() {
    const started = performance.now();
    await this.call("Runtime.discardConsoleEntries");
    this.chunks = [];
    try {
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 120_000);
      const text = this.chunks.join("");
      this.chunks = null;
      if (process.env.BENCH_HEAP_DUMP) writeFileSync(path.join(process.env.BENCH_HEAP_DUMP, `isolate-${Date.now()}.heapsnapshot`), text);
      const snap = JSON.parse(text);
      const fields = snap.snapshot.meta.node_fields;
      const iType = fields.indexOf("type");
      const iName = fields.indexOf("name");
      const iSize = fields.indexOf("self_size");
      const types = snap.snapshot.meta.node_types[iType];
      const byName = new Map();
      let nodes = 0;
      let selfBytes = 0;
      for (let i = 0; i < snap.nodes.length; i += fields.length) {
        const type = types[snap.nodes[i + iType]];
        const size = snap.nodes[i + iSize];
        const key =
          type === "string" || type === "concatenated string" || type === "sliced string"
            ? type
            : `${type}:${snap.strings[snap.nodes[i + iName]]}`;
        const entry = byName.get(key) ?? { count: 0, selfBytes: 0 };
        entry.count++;
        entry.selfBytes += size;
        byName.set(key, entry);
        nodes++;
        selfBytes += size;
      }
      return { nodes, selfBytes, snapshotBytes: text.length, ms: Math.round(performance.now() - started), byName };
    } finally {
      this.chunks = null;
    }
  }

  /** The `top` kinds of node whose self size grew most from snapshot `a` to `b`, per `per` (sockets). */
  static diffObjects(a, b, per, top = 10) {
    if (!a || !b || a.error || b.error) return null;
    const rows = [];
    for (const [key, e] of b.byName) {
      const before = a.byName.get(key) ?? { count: 0, selfBytes: 0 };
      rows.push({ kind: key.slice(0, 80), count: e.count - before.count, selfBytes: e.selfBytes - before.selfBytes });
    }
    rows.sort((x, y) => y.selfBytes - x.selfBytes);
    const r2 = (v) => Math.round((v / per) * 100) / 100;
    // Compiled code and feedback (type "code") grows as the isolate warms up: a fixed cost, not per socket.
    const code = rows.filter((r) => r.kind.startsWith("code:")).reduce((sum, r) => sum + r.selfBytes, 0);
    return {
      nodesPerSocket: r2(b.nodes - a.nodes),
      selfBytesPerSocket: r2(b.selfBytes - a.selfBytes),
      codeBytesPerSocket: r2(code),
      top: rows.slice(0, top).map((r) => ({ kind: r.kind, perSocket: r2(r.count), selfBytesPerSocket: r2(r.selfBytes) })),
    };
  }

  close() {
    try {
      this.ws.close();
    } catch {
      /* already closed */
    }
  }
}

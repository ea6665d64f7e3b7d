/**
 * Realtime benchmarks, run by bench/run.mjs as `npm run bench -- realtime`.
 *
 * The client is Node 22's global WebSocket (undici), over loopback to `wrangler dev`; sockets are
 * opened exactly as a browser would: `POST /v1/realtime/ticket` with the member's bearer token,
 * then `GET /v1/realtime?ticket=…` with Upgrade: websocket. Every loop is bounded (counts and
 * deadlines), and every socket is closed at the end.
 *
 *   asks     time to first `delta` and to `answer` for the extractive provider on one socket, asks
 *            one at a time, over the 100,000-note tenant; the same question over REST
 *            `POST /v1/copilot/ask` right before or after it (alternating), for comparison.
 *   fanout   N sockets of N distinct members on that tenant (about half may see the job), then
 *            `PATCH /v1/jobs/:id`: time until every permitted socket has its `job.updated`, and
 *            how many non-permitted sockets got one (must be 0).
 *   memory   RSS of the app workerd (and of wrangler's dev proxy) before the sockets, right after
 *            they opened, after they sat idle long enough to hibernate, and after they closed;
 *            and the worker isolate's JS heap after a forced GC (bench/inspector.mjs) with the
 *            tenant object alive without sockets, alive with N sockets, and after the idle wait
 *            (object evicted, sockets hibernated); and the sockets' serialized attachments.
 */
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { serialize } from "node:v8";
import { IsolateHeap } from "./inspector.mjs";
import { percentile, round, rssKiB } from "./stats.mjs";

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Open file descriptors of some processes. */
function fdCount(pids) {
  let total = 0;
  for (const pid of pids ?? []) {
    try {
      total += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      /* the process ended or is not ours to read */
    }
  }
  return total;
}

/**
 * One client socket. Frames are classified by their leading bytes (the server serialises `type`
 * first), so 1,000 sockets receiving presence lists do not pay a JSON.parse each.
 */
class Client {
  constructor(url, label) {
    this.label = label;
    this.ws = new WebSocket(url);
    this.opened = false;
    this.closed = null;
    this.frames = 0;
    this.bytes = 0;
    this.presence = 0;
    this.jobUpdated = [];
    this.errors = [];
    this.onFrame = null;
    this.ready = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => {
        this.opened = true;
        resolve(this);
      });
      this.ws.addEventListener("error", (e) => reject(new Error(`${label}: socket error ${e.message ?? ""}`.trim())));
      this.ws.addEventListener("close", (e) => {
        this.closed = { code: e.code, reason: e.reason };
        if (!this.opened) reject(new Error(`${label}: closed before open (${e.code} ${e.reason})`));
      });
    });
    this.ws.addEventListener("message", (e) => {
      const at = performance.now();
      const data = typeof e.data === "string" ? e.data : "";
      this.frames++;
      this.bytes += data.length;
      if (data.startsWith('{"type":"presence"')) this.presence++;
      else if (data.startsWith('{"type":"job.updated"')) this.jobUpdated.push({ at, jobId: JSON.parse(data).jobId });
      else if (data.startsWith('{"type":"error"') && !this.onFrame) this.errors.push(data.slice(0, 300));
      if (this.onFrame) this.onFrame(data, at);
    });
  }

  close() {
    try {
      this.ws.close(1000, "bench done");
    } catch {
      /* already closed */
    }
  }
}

/**
 * JS heap readings through the inspector, or null readings (with the reason kept) when it cannot
 * be reached: the rest of the benchmark does not depend on it.
 */
async function heapMeter({ api, host, inspectorPort, snapshots }) {
  const out = { error: null, target: null, reading: async () => null, objects: async () => null, close: () => {} };
  if (!inspectorPort) {
    out.error = "no inspector port";
    return out;
  }
  let heap;
  try {
    heap = await IsolateHeap.connect(host, inspectorPort);
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
    return out;
  }
  // The GC task runs only after a request ran JS in the isolate: GET /healthz, which calls no object.
  const poke = () => api("GET", "/healthz");
  const guard = (fn) => async () => {
    try {
      return await fn();
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  out.target = heap.url;
  out.reading = guard(() => heap.reading(poke));
  // Objects by kind in one heap snapshot: which JS objects does a socket add? (only when asked)
  if (snapshots) out.objects = guard(() => heap.countObjects());
  out.close = () => heap.close();
  return out;
}

/** Bytes per socket between two heap readings (null when either is missing). */
function heapPerSocket(a, b, n, key = "usedSize") {
  if (!a || !b || a.error || b.error || !Number.isFinite(a[key]) || !Number.isFinite(b[key]) || n <= 0) return null;
  return round((b[key] - a[key]) / n, 0);
}

export async function benchRealtime(ctx) {
  const { api, idp, host, port, cpu, tenant, token, operator, socketCount, askCount, corpus, inspectorPort, heapSnapshots, asksOnly } = ctx;
  const wsUrl = (ticket) => `ws://${host}:${port}/v1/realtime?ticket=${encodeURIComponent(ticket)}`;
  const ticketFor = async (t) => (await api("POST", "/v1/realtime/ticket", { token: t })).json.ticket;
  const roles = cpu.roles ?? cpu.discover();
  const appPids = roles?.app ?? [];
  const proxyPids = roles?.proxy ?? [];
  const isolate = async () => (await api("GET", "/v1/__bench/isolate", { token })).json;
  const wake = () => api("GET", "/v1/__bench/rpc-noop", { token });
  const out = { tenant, notes: corpus.notes, asksOnly: Boolean(asksOnly) };
  if (asksOnly) {
    // --asks-only (for a big tenant): the asks and what they cost inside the object; no sockets phases.
    out.asks = await benchAsks({ api, token, ticketFor, wsUrl, askCount, corpus, cpu });
    out.asks.inObject = await askCoreCosts({ api, token, cpu, corpus });
    return out;
  }
  const clients = [];
  const heap = await heapMeter({ api, host, inspectorPort, snapshots: heapSnapshots });
  out.inspector = { target: heap.target, error: heap.error };
  try {
    out.asks = await benchAsks({ api, token, ticketFor, wsUrl, askCount, corpus, cpu });
    out.idleMemory = await benchIdleMemory({
      api,
      ticketFor,
      wsUrl,
      token,
      count: Math.max(2, Math.floor(socketCount / 2)),
      appPids,
      proxyPids,
      isolate,
      wake,
      heap,
    });
    out.fanout = await benchFanout({
      api,
      idp,
      tenant,
      token,
      operator,
      ticketFor,
      wsUrl,
      socketCount,
      corpus,
      clients,
      appPids,
      proxyPids,
      isolate,
      heap,
    });
  } finally {
    for (const c of clients) c.close();
    heap.close();
  }
  return out;
}

// ---------------------------------------------------------------- (1) ask latency

/** One metric's `dur` from a Server-Timing header, or null when absent. */
function serverTimingMs(header, name) {
  for (const entry of String(header ?? "").split(/,\s*/)) {
    const [metric, ...params] = entry.split(";");
    const dur = metric === name ? params.find((p) => p.startsWith("dur=")) : undefined;
    if (dur) return Number(dur.slice(4));
  }
  return null;
}

/**
 * What each question costs inside the object before its first delta can be sent (the extractive
 * provider drafts the whole answer first): the index query alone, the whole retrieval (query and
 * expansion through anchors), and retrieval + draft, REPEAT times in
 * one bench RPC (`/v1/__bench/copilot-core`), app CPU from /proc per run; twice each, the cheaper kept.
 */
async function askCoreCosts({ api, token, cpu, corpus }) {
  if (!cpu.roles) return null;
  const REPEAT = 10;
  const subject = corpus.dispatcher;
  const out = [];
  for (const q of askQuestions(corpus)) {
    const row = { question: q.text, jobId: q.jobId ?? null };
    for (const stage of ["search", "search-exact", "retrieve", "draft"]) {
      const runs = [];
      for (let t = 0; t < 2; t++) {
        const body = { question: q.text, subject, role: "dispatcher", stage, repeat: REPEAT, ...(q.jobId ? { jobId: q.jobId } : {}) };
        const before = cpu.snapshot(true).app;
        const started = performance.now();
        const r = await api("POST", "/v1/__bench/copilot-core", { token, body });
        runs.push({ app: cpu.snapshot(true).app - before, ms: performance.now() - started, evidence: r.json.evidence });
      }
      const best = runs.reduce((a, b) => (b.app < a.app ? b : a));
      row[stage] = { appCpuMs: round(best.app / REPEAT, 2), wallMs: round(best.ms / REPEAT, 2), evidence: best.evidence };
    }
    row.draftOnlyAppCpuMs = round(row.draft.appCpuMs - row.retrieve.appCpuMs, 2);
    row.expansionAppCpuMs = round(row.retrieve.appCpuMs - row.search.appCpuMs, 2);
    out.push(row);
  }
  return { repeat: REPEAT, perQuestion: out };
}

function askQuestions(corpus) {
  return [
    { text: "What pressure did the compressor show?" },
    { text: "Which filter was replaced on the rooftop unit?" },
    { text: "What did the customer report near the condenser?" },
    { text: `Which note mentions serial ${corpus.serial.toUpperCase()}?` },
    { text: "Was a leak found on the line?", jobId: corpus.jobA },
    { text: "What was tested and what was the reading?", jobId: corpus.jobB },
    { text: "When is the quarterly invoice for zzqxvnotaword due?" },
  ];
}

async function benchAsks({ api, token, ticketFor, wsUrl, askCount, corpus, cpu }) {
  const questions = askQuestions(corpus);
  const client = new Client(wsUrl(await ticketFor(token)), "ask socket");
  await client.ready;
  // The channel allows 30 frames per connection per 10 s: stay under it with a sliding window.
  const WINDOW_MS = 10_500;
  const PER_WINDOW = 27;
  const sentAt = [];
  const pace = async () => {
    while (sentAt.length >= PER_WINDOW && performance.now() - sentAt[sentAt.length - PER_WINDOW] < WINDOW_MS) {
      await sleep(WINDOW_MS - (performance.now() - sentAt[sentAt.length - PER_WINDOW]) + 5);
    }
    sentAt.push(performance.now());
  };
  let serial = 0;
  const askWs = (q) =>
    new Promise((resolve, reject) => {
      const id = `b${++serial}`;
      const started = performance.now();
      let first = null;
      let deltas = 0;
      const timer = setTimeout(() => reject(new Error(`ask ${id} got no answer within 30 s`)), 30_000);
      client.onFrame = (data, at) => {
        if (data.startsWith('{"type":"delta"')) {
          const f = JSON.parse(data);
          if (f.id !== id) return;
          deltas++;
          if (first === null) first = at - started;
        } else if (data.startsWith('{"type":"answer"') || data.startsWith('{"type":"error"')) {
          const f = JSON.parse(data);
          if (f.id !== undefined && f.id !== id) return;
          clearTimeout(timer);
          client.onFrame = null;
          if (f.type === "error") return reject(new Error(`ask ${id}: ${data.slice(0, 300)}`));
          resolve({
            firstDeltaMs: first,
            answerMs: at - started,
            deltas,
            grounded: f.grounded,
            citations: f.citations.length,
            usageLatencyMs: f.usage?.latencyMs ?? null,
          });
        }
      };
      client.ws.send(JSON.stringify({ type: "ask", id, question: q.text, ...(q.jobId ? { jobId: q.jobId } : {}) }));
    });
  const askRest = async (q) => {
    const r = await api("POST", "/v1/copilot/ask", { token, body: { question: q.text, ...(q.jobId ? { jobId: q.jobId } : {}) } });
    const timing = r.headers["server-timing"];
    const guard = serverTimingMs(timing, "guard");
    const queries = serverTimingMs(timing, "queries");
    return {
      ms: r.ms,
      grounded: r.json.grounded,
      // The object's own time (guard + the turn's metered work) and the router's timing of the call.
      objectOwnMs: guard === null || queries === null ? null : guard + queries,
      objectCallMs: serverTimingMs(timing, "object"),
    };
  };
  const appCpu = () => cpu.snapshot(true)?.app ?? null;
  const measureCpu = async (fn) => {
    const before = appCpu();
    const value = await fn();
    const after = appCpu();
    return { value, appCpuMs: before === null ? null : after - before };
  };

  // Warm-up: every question once each way (discarded).
  for (const q of questions) {
    await pace();
    await askWs(q);
    await askRest(q);
  }
  const ws = [];
  const rest = [];
  const perQuestion = questions.map(() => ({ first: [], answer: [], rest: [], restObjectOwn: [], grounded: null, deltas: null }));
  const started = performance.now();
  for (let i = 0; i < askCount; i++) {
    const k = i % questions.length;
    const q = questions[k];
    const runWs = async () => {
      await pace();
      const m = await measureCpu(() => askWs(q));
      ws.push({ ...m.value, appCpuMs: m.appCpuMs });
      perQuestion[k].first.push(m.value.firstDeltaMs);
      perQuestion[k].answer.push(m.value.answerMs);
      perQuestion[k].grounded = m.value.grounded;
      perQuestion[k].deltas = m.value.deltas;
    };
    const runRest = async () => {
      const m = await measureCpu(() => askRest(q));
      rest.push({ ...m.value, appCpuMs: m.appCpuMs });
      perQuestion[k].rest.push(m.value.ms);
      if (m.value.objectOwnMs !== null) perQuestion[k].restObjectOwn.push(m.value.objectOwnMs);
    };
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      await runWs();
      await runRest();
    } else {
      await runRest();
      await runWs();
    }
    if (i % 20 === 0) process.stderr.write(`  asks ${i}/${askCount}\r`);
  }
  process.stderr.write("\n");
  client.close();
  const mid = (list) => summarize(list).p50;
  return {
    asks: ws.length,
    seconds: round((performance.now() - started) / 1000, 1),
    pacing: `at most ${PER_WINDOW} frames per ${WINDOW_MS} ms on the socket (its limit is 30 per 10 s)`,
    firstDeltaMs: summarize(ws.map((x) => x.firstDeltaMs)),
    answerMs: summarize(ws.map((x) => x.answerMs)),
    firstDeltaToAnswerMs: summarize(ws.map((x) => x.answerMs - x.firstDeltaMs)),
    restMs: summarize(rest.map((x) => x.ms)),
    // From the REST answers' Server-Timing: the object's own time (guard + queries) and the router's call.
    restObjectOwnMs: summarize(rest.map((x) => x.objectOwnMs).filter((v) => v !== null)),
    restObjectCallMs: summarize(rest.map((x) => x.objectCallMs).filter((v) => v !== null)),
    // The answer's usage.latencyMs (Date.now() around composeAnswer in the object).
    wsUsageLatencyMs: summarize(ws.map((x) => x.usageLatencyMs).filter((v) => v !== null)),
    appCpuMsPerAskP99: { ws: summarize(ws.map((x) => x.appCpuMs ?? NaN)).p99, rest: summarize(rest.map((x) => x.appCpuMs ?? NaN)).p99 },
    appCpuMsPerAsk: { ws: mid(ws.map((x) => x.appCpuMs ?? NaN)), rest: mid(rest.map((x) => x.appCpuMs ?? NaN)) },
    grounded: { ws: ws.filter((x) => x.grounded).length, rest: rest.filter((x) => x.grounded).length },
    unexpectedErrorFrames: client.errors,
    perQuestion: questions.map((q, k) => ({
      question: q.text,
      jobId: q.jobId ?? null,
      grounded: perQuestion[k].grounded,
      deltas: perQuestion[k].deltas,
      firstDelta: summarize(perQuestion[k].first),
      answer: summarize(perQuestion[k].answer),
      rest: summarize(perQuestion[k].rest),
      restObjectOwn: summarize(perQuestion[k].restObjectOwn),
    })),
  };
}

// ---------------------------------------------------------------- (3) memory per idle socket

/** Median of 5 RSS readings 400 ms apart (RSS moves with GC and allocator noise), plus open fds. */
async function memorySnapshot(appPids, proxyPids) {
  const app = [];
  const proxy = [];
  for (let k = 0; k < 5; k++) {
    app.push(rssKiB(appPids));
    proxy.push(rssKiB(proxyPids));
    await sleep(400);
  }
  const med = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { appRssKiB: med(app), proxyRssKiB: med(proxy), appFds: fdCount(appPids), proxyFds: fdCount(proxyPids) };
}

/**
 * Idle sockets of ONE member, so presence frames stay tiny (the list has one name) and the
 * measurement is the sockets, not the garbage of a presence storm (see the fan-out phase).
 * Baseline and measurement are taken in the same state: the tenant idle for IDLE_MS.
 *
 * JS heap (each reading the median of 5, each after a forced GC), in this order:
 *   evictedEmpty   the tenant idle IDLE_MS, no sockets (workerd evicts an object idle for 10 s)
 *   aliveEmpty     right after one no-op RPC woke the object, still no sockets
 *   aliveSockets   right after the N sockets opened (the object is alive)
 *   hibernated     after IDLE_MS idle with the N sockets open (the object evicted if it hibernated)
 *   woken          after one no-op RPC woke the object again (no socket touched yet)
 * The construction count (`/v1/__bench/isolate`) before and after each wake-up says whether the
 * object had been evicted. Last, `/v1/__bench/attachments` reads the sockets' attachments.
 */
async function benchIdleMemory({ api, ticketFor, wsUrl, token, count, appPids, proxyPids, isolate, wake, heap }) {
  const IDLE_MS = 15_000;
  const clients = [];
  const out = { sockets: count, idleMs: IDLE_MS, heap: {}, heapObjects: null, isolate: {} };
  try {
    await sleep(IDLE_MS);
    out.before = await memorySnapshot(appPids, proxyPids);
    out.isolateBefore = await isolate();
    out.heap.evictedEmpty = await heap.reading();
    const objectsBefore = await heap.objects();
    await wake();
    out.isolate.afterFirstWake = await isolate();
    out.heap.aliveEmpty = await heap.reading();
    const started = performance.now();
    for (let i = 0; i < count; i += 25) {
      const n = Math.min(25, count - i);
      const tickets = await Promise.all(Array.from({ length: n }, () => ticketFor(token)));
      const batch = tickets.map((t, k) => new Client(wsUrl(t), `idle-${i + k}`));
      clients.push(...batch);
      await Promise.all(batch.map((c) => c.ready));
    }
    out.openSeconds = round((performance.now() - started) / 1000, 1);
    out.afterOpen = await memorySnapshot(appPids, proxyPids);
    out.heap.aliveSockets = await heap.reading();
    const objectsAlive = await heap.objects();
    out.isolate.afterOpen = await isolate();
    await sleep(IDLE_MS);
    out.afterIdle = await memorySnapshot(appPids, proxyPids);
    out.heap.hibernated = await heap.reading();
    const objectsHibernated = await heap.objects();
    // Which kinds of JS object the sockets added (heap snapshots, --heap-snapshots; against the idle no-socket state).
    if (objectsBefore !== null)
      out.heapObjects = {
        snapshotMs: [objectsBefore, objectsAlive, objectsHibernated].map((o) => o?.ms ?? null),
        aliveVsEvictedEmpty: IsolateHeap.diffObjects(objectsBefore, objectsAlive, count),
        hibernatedVsEvictedEmpty: IsolateHeap.diffObjects(objectsBefore, objectsHibernated, count),
      };
    out.isolateAfterIdle = await isolate();
    await wake();
    out.isolate.afterSecondWake = await isolate();
    out.heap.woken = await heap.reading();
    out.evictedWhileIdle = out.isolate.afterSecondWake.objectsConstructed > out.isolateAfterIdle.objectsConstructed;
    out.evictedBeforeSockets = out.isolate.afterFirstWake.objectsConstructed > out.isolateBefore.objectsConstructed;
    out.presenceFrames = clients.reduce((a, c) => a + c.presence, 0);
    out.stillOpen = clients.filter((c) => c.closed === null).length;
    out.bytesPerSocket = {
      appAfterOpen: round(((out.afterOpen.appRssKiB - out.before.appRssKiB) * 1024) / count, 0),
      appAfterIdle: round(((out.afterIdle.appRssKiB - out.before.appRssKiB) * 1024) / count, 0),
      proxyAfterIdle: round(((out.afterIdle.proxyRssKiB - out.before.proxyRssKiB) * 1024) / count, 0),
    };
    const h = out.heap;
    out.heapBytesPerSocket = {
      // The object alive: N sockets against none (both right after a wake or an open).
      alive: heapPerSocket(h.aliveEmpty, h.aliveSockets, count),
      aliveEmbedder: heapPerSocket(h.aliveEmpty, h.aliveSockets, count, "embedderHeapUsedSize"),
      // After the idle wait against the same object state without sockets (evicted, if it was).
      hibernatedVsEvictedEmpty: heapPerSocket(h.evictedEmpty, h.hibernated, count),
      hibernatedVsAliveEmpty: heapPerSocket(h.aliveEmpty, h.hibernated, count),
      hibernatedEmbedder: heapPerSocket(h.evictedEmpty, h.hibernated, count, "embedderHeapUsedSize"),
      // Woken again by an RPC that touches no socket.
      wokenVsAliveEmpty: heapPerSocket(h.aliveEmpty, h.woken, count),
    };
    // What the object keeps per socket by construction (read last: it wakes the object and wraps every socket).
    const att = (await api("GET", "/v1/__bench/attachments", { token })).json;
    const sample = att.sample;
    const user = sample && typeof sample === "object" ? sample.__user : null;
    out.attachments = {
      sockets: att.sockets,
      jsonBytes: att.jsonBytes,
      // V8's structured-clone format, as workerd's serializeAttachment stores it (Node writes the same format).
      serializedBytes: sample === null ? null : serialize(sample).length,
      connectionStateJsonBytes: user ? JSON.stringify(user).length : null,
      connectionStateSerializedBytes: user ? serialize(user).length : null,
      sample,
    };
  } finally {
    for (const c of clients) c.close();
  }
  // Every close wakes the object (onClose broadcasts presence to the rest): wait for the fds to go (bounded).
  const closeStarted = performance.now();
  for (let k = 0; k < 60 && fdCount(appPids) > (out.before?.appFds ?? 0) + 20; k++) await sleep(500);
  out.closeSeconds = round((performance.now() - closeStarted) / 1000, 1);
  out.afterClose = await memorySnapshot(appPids, proxyPids);
  out.heap.afterClose = await heap.reading();
  return out;
}

// ---------------------------------------------------------------- (2) fan-out

async function benchFanout({
  api,
  idp,
  tenant,
  token,
  operator,
  ticketFor,
  wsUrl,
  socketCount,
  corpus,
  clients,
  appPids,
  proxyPids,
  isolate,
  heap,
}) {
  // Members: ~45% dispatchers (see every job), up to 50 technicians assigned to the job (the
  // schema's cap), the rest technicians assigned to nothing. About half may see the job.
  const assigned = Math.min(50, Math.round(socketCount * 0.05));
  const dispatchers = Math.round(socketCount / 2) - assigned;
  const members = [];
  for (let i = 0; i < socketCount; i++) {
    const pad = String(i).padStart(4, "0");
    if (i < dispatchers) members.push({ subject: `rt-disp-${pad}`, role: "dispatcher", permitted: true });
    else if (i < dispatchers + assigned) members.push({ subject: `rt-tech-in-${pad}`, role: "technician", permitted: true });
    else members.push({ subject: `rt-tech-out-${pad}`, role: "technician", permitted: false });
  }
  const JOB = "JRT0001";
  const setupStarted = performance.now();
  for (const m of members) {
    await api("POST", `/v1/platform/tenants/${tenant}/members`, {
      token: operator,
      body: { subject: m.subject, role: m.role, issuer: idp.issuer },
      expect: [201],
    });
  }
  await api("POST", "/v1/ingest", {
    token,
    body: {
      jobs: [
        {
          id: JOB,
          clientId: corpus.clientId,
          propertyId: corpus.propertyId,
          title: "Realtime fan-out target",
          status: "scheduled",
          priority: "normal",
          assignees: members.filter((m) => m.role === "technician" && m.permitted).map((m) => m.subject),
        },
      ],
    },
  });
  for (const m of members) m.token = await idp.mint(m.subject);
  const setupSeconds = round((performance.now() - setupStarted) / 1000, 1);

  const memory = { appPids: appPids.length, proxyPids: proxyPids.length };
  const heapReadings = {};
  const snapshot = async (label) => {
    memory[label] = await memorySnapshot(appPids, proxyPids);
    heapReadings[label] = await heap.reading();
  };
  // Idle: long enough for the object to be evicted if the runtime hibernates it (10 s of no events).
  const IDLE_MS = 15_000;
  await snapshot("beforeSockets");
  const isolateBefore = await isolate();

  // Open the sockets in batches of 25 (tickets are single use and live 60 s: fetched right before).
  const BATCH = 25;
  const OPEN_DEADLINE_MS = 150_000;
  const openStarted = performance.now();
  const batchMs = [];
  let failure = null;
  for (let i = 0; i < members.length && failure === null; i += BATCH) {
    if (performance.now() - openStarted > OPEN_DEADLINE_MS) {
      failure = `stopped: opening took longer than ${OPEN_DEADLINE_MS / 1000} s`;
      break;
    }
    const t0 = performance.now();
    const batch = members.slice(i, i + BATCH);
    try {
      const tickets = await Promise.all(batch.map((m) => ticketFor(m.token)));
      const opened = batch.map((m, k) => {
        const c = new Client(wsUrl(tickets[k]), m.subject);
        c.member = m;
        clients.push(c);
        return c;
      });
      await Promise.all(opened.map((c) => c.ready));
    } catch (error) {
      failure = `socket ${i}..${i + batch.length - 1}: ${error instanceof Error ? error.message : String(error)}`;
    }
    batchMs.push(round(performance.now() - t0, 1));
    if ((i / BATCH) % 4 === 0) process.stderr.write(`  sockets ${i + batch.length}/${members.length}\r`);
  }
  process.stderr.write("\n");
  const openSeconds = round((performance.now() - openStarted) / 1000, 1);
  const open = clients.filter((c) => c.opened && c.closed === null);
  // Wait until presence traffic settles (bounded).
  const settleStarted = performance.now();
  let lastFrames = -1;
  for (let k = 0; k < 60; k++) {
    const frames = clients.reduce((a, c) => a + c.frames, 0);
    if (frames === lastFrames) break;
    lastFrames = frames;
    await sleep(1_000);
  }
  const settleSeconds = round((performance.now() - settleStarted) / 1000, 1);
  await snapshot("afterOpen");
  const presence = {
    frames: clients.reduce((a, c) => a + c.presence, 0),
    megabytes: round(clients.reduce((a, c) => a + c.bytes, 0) / 2 ** 20, 1),
  };

  await sleep(IDLE_MS);
  await snapshot("afterIdle");
  const isolateIdle = await isolate();

  // Fan-out rounds: one PATCH each, alternating the priority so every PATCH changes the job.
  const ROUNDS = 5;
  const rounds = [];
  const dispatcherToken = token;
  for (let r = 0; r < ROUNDS && open.length > 0; r++) {
    for (const c of open) c.jobUpdated = [];
    const t0 = performance.now();
    const patch = await api("PATCH", `/v1/jobs/${JOB}`, { token: dispatcherToken, body: { priority: r % 2 === 0 ? "high" : "low" } });
    const patchMs = patch.ms;
    const permitted = open.filter((c) => c.member.permitted);
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && permitted.some((c) => c.jobUpdated.length === 0)) await sleep(2);
    const arrivals = permitted.filter((c) => c.jobUpdated.length > 0).map((c) => c.jobUpdated[0].at - t0);
    await sleep(1_000); // time for any stray frame to a non-permitted socket
    const leaked = open.filter((c) => !c.member.permitted && c.jobUpdated.length > 0).length;
    const duplicates = permitted.filter((c) => c.jobUpdated.length > 1).length;
    rounds.push({
      permittedSockets: permitted.length,
      reached: arrivals.length,
      allReachedMs: arrivals.length === permitted.length ? round(Math.max(...arrivals), 1) : null,
      firstMs: round(Math.min(...arrivals), 1),
      p50Ms: summarize(arrivals).p50,
      patchResponseMs: round(patchMs, 1),
      nonPermittedSockets: open.length - permitted.length,
      nonPermittedReached: leaked,
      duplicates,
    });
    if (r === 0) memory.afterFirstPatch = await memorySnapshot(appPids, proxyPids);
    await sleep(500);
  }
  const isolateAfter = await isolate();
  await snapshot("afterPatches");

  const stillOpen = clients.filter((c) => c.opened && c.closed === null).length;
  const closedByServer = clients.filter((c) => c.closed !== null).map((c) => c.closed);
  for (const c of clients) c.close();

  const n = open.length;
  const perSocket = (a, b, key) => (n > 0 ? round(((memory[b][key] - memory[a][key]) * 1024) / n, 0) : null);
  const allReached = rounds.map((r) => r.allReachedMs).filter((v) => v !== null);
  return {
    requestedSockets: socketCount,
    openedSockets: clients.filter((c) => c.opened).length,
    openAtFanout: n,
    stillOpenAtEnd: stillOpen,
    closedByServer: closedByServer.slice(0, 10),
    closedByServerCount: closedByServer.length,
    failure,
    members: { dispatchers, assignedTechnicians: assigned, unassignedTechnicians: socketCount - dispatchers - assigned },
    setupSeconds,
    openSeconds,
    openBatchMs: summarize(batchMs),
    openBatchMsFirstLast: { first: batchMs.slice(0, 3), last: batchMs.slice(-3) },
    settleSeconds,
    presence,
    idleMs: IDLE_MS,
    rounds,
    allReachedMsMedian: allReached.length ? summarize(allReached).p50 : null,
    allReachedMsMax: allReached.length ? round(Math.max(...allReached), 1) : null,
    nonPermittedReachedTotal: rounds.reduce((a, r) => a + r.nonPermittedReached, 0),
    memory,
    bytesPerSocket: {
      appAfterOpen: perSocket("beforeSockets", "afterOpen", "appRssKiB"),
      appAfterIdle: perSocket("beforeSockets", "afterIdle", "appRssKiB"),
      proxyAfterIdle: perSocket("beforeSockets", "afterIdle", "proxyRssKiB"),
    },
    heap: heapReadings,
    heapBytesPerSocket: {
      afterOpen: heapPerSocket(heapReadings.beforeSockets, heapReadings.afterOpen, n),
      afterIdle: heapPerSocket(heapReadings.beforeSockets, heapReadings.afterIdle, n),
      afterPatches: heapPerSocket(heapReadings.beforeSockets, heapReadings.afterPatches, n),
    },
    isolate: { beforeSockets: isolateBefore, afterIdle: isolateIdle, afterFanout: isolateAfter },
  };
}

/** Lines for stdout: the object's own time of the REST asks, and each question's in-object cost. */
export function askCostMarkdown(a) {
  const L = [
    "",
    `REST asks, Server-Timing: object's own time (guard + queries) p50 ${a.restObjectOwnMs.p50} / p99 ${a.restObjectOwnMs.p99} ms, object call p50 ${a.restObjectCallMs.p50} / p99 ${a.restObjectCallMs.p99} ms; WS answers' usage.latencyMs p50 ${a.wsUsageLatencyMs.p50} / p99 ${a.wsUsageLatencyMs.p99}; app CPU per ask p99: WS ${a.appCpuMsPerAskP99.ws}, REST ${a.appCpuMsPerAskP99.rest} ms.`,
  ];
  if (!a.inObject) return L;
  L.push(
    "",
    `In the object, per question (app CPU ms per run, best of 2 × ${a.inObject.repeat}; REST object's own p50 / p99 from Server-Timing):`,
    "",
    "| Question | job | index hits | evidence | index query | same, exact words | retrieval | + extractive draft | draft alone | WS first delta p50 / p99 | REST object's own p50 / p99 |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const [k, q] of a.inObject.perQuestion.entries()) {
    const p = a.perQuestion[k];
    L.push(
      `| ${q.question} | ${q.jobId ?? ""} | ${q.search.evidence} | ${q.retrieve.evidence} | ${q.search.appCpuMs} | ${q["search-exact"].appCpuMs} | ${q.retrieve.appCpuMs} | ${q.draft.appCpuMs} | ${q.draftOnlyAppCpuMs} | ${p.firstDelta.p50} / ${p.firstDelta.p99} | ${p.restObjectOwn.p50} / ${p.restObjectOwn.p99} |`,
    );
  }
  return L;
}

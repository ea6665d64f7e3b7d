/**
 * (i) library: search latency of the shared knowledge library (one KnowledgeLibrary object, its own
 * SQLite/FTS5; decision §66) at 10,000 chunks. The operator uploads DOCUMENTS Markdown documents of
 * SECTIONS headed sections each through `POST /v1/platform/library/documents` (one chunk per
 * section: a heading opens a chunk, and each section stays under the chunker's 1,000-character
 * packing target), then a technician of a bench tenant searches `GET /v1/library/search`, one
 * request at a time over one keep-alive connection: every (query, repetition) once in a shuffled
 * order after a warm-up, with `GET /healthz` interleaved every 5th request as the stack's floor.
 *
 * Per request: wall time at the client, and the router's own `total` from Server-Timing (the
 * server-side time: auth, tenant selection, the library's RPC; the library object does not report
 * SQL work in Server-Timing). Then app CPU per search (each query back to back, CPU_REPS times).
 * Section text is the bench corpus's notes (bench/corpus.mjs: Zipf-weighted field-service words),
 * so query terms of known frequency can be picked by rank.
 */
import http from "node:http";
import { URLSearchParams } from "node:url";
import { note, noteSerial, wordAtRank } from "./corpus.mjs";
import { median, percentile, round, shuffledSchedule } from "./stats.mjs";

const DOCUMENTS = 10;
const SECTIONS = 1_000;
const REPS = 100;
const WARMUP = 50;
const CPU_REPS = 10;
export const LIBRARY_TENANT = "bench-library";
const TECHNICIAN = "bench-library-tech";

/** Section s of document d: a heading and two corpus notes (~300-500 characters). */
function section(d, s) {
  const i = (d * SECTIONS + s) * 2;
  return `## ${d + 1}.${s + 1} ${wordAtRank(20 + (s % 200))} ${wordAtRank(40 + (d % 40))}\n\n${note(i).body} ${note(i + 1).body}\n`;
}

function document(d) {
  const sections = Array.from({ length: SECTIONS }, (_, s) => section(d, s));
  return {
    id: `bench-manual-${d + 1}`,
    title: `Bench manual ${d + 1}`,
    format: "markdown",
    // No title heading: it would make a chunk of its own; every chunk is one section.
    text: sections.join("\n"),
  };
}

/** The query mix: frequent words, rare ones, a word in one section, a prefix, several words, a word in no chunk. */
function queries() {
  return [
    ["common", "unit"],
    ["common", "compressor"],
    ["common", "checked pressure"],
    ["rare", wordAtRank(1_500)],
    ["rare", wordAtRank(3_500)],
    ["unique", noteSerial(12_343)],
    ["prefix", "com*"],
    ["multi", "replaced filter unit"],
    ["multi", "pressure coil fan motor"],
    ["none", "zzqxvnotaword"],
  ].map(([category, text]) => ({ category, text }));
}

const stats = (values) => {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
};

export async function benchLibrary({ api, send, idp, operator, issuer, cpu, serverTimingMs }) {
  const operatorToken = await idp.mint(operator);
  // Upload: DOCUMENTS × SECTIONS chunks through the platform route.
  const uploads = [];
  const ids = [];
  let chunks = 0;
  let bytes = 0;
  for (let d = 0; d < DOCUMENTS; d++) {
    const doc = document(d);
    const body = Buffer.from(JSON.stringify(doc));
    bytes += body.length;
    const started = performance.now();
    const res = await api("POST", "/v1/platform/library/documents", { token: operatorToken, body, expect: [201, 202] });
    uploads.push(performance.now() - started);
    chunks += res.json.chunkCount;
    ids.push(res.json.id);
    process.stderr.write(`  library upload ${d + 1}/${DOCUMENTS}\r`);
  }
  process.stderr.write("\n");
  // A document over INDEX_STEP_CHUNKS is indexed in steps on the library's alarm: wait for every one.
  const indexing = performance.now();
  for (const id of ids) {
    for (;;) {
      const doc = await api("GET", `/v1/platform/library/documents/${id}`, { token: operatorToken, expect: [200] });
      if (doc.json.status === "ready") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const indexingMs = performance.now() - indexing;
  if (chunks !== DOCUMENTS * SECTIONS) throw new Error(`expected ${DOCUMENTS * SECTIONS} chunks, the library made ${chunks}`);

  // A technician of a bench tenant reads the library.
  await api("POST", "/v1/platform/tenants", {
    token: operatorToken,
    body: { id: LIBRARY_TENANT, name: "Bench library", region: "us" },
    expect: [201],
  });
  await api("POST", `/v1/platform/tenants/${LIBRARY_TENANT}/members`, {
    token: operatorToken,
    body: { subject: TECHNICIAN, role: "technician", issuer },
    expect: [201],
  });
  const token = await idp.mint(TECHNICIAN);
  const list = queries();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (q) =>
    send(agent, {
      path: `/v1/library/search?${new URLSearchParams({ q: q.text, limit: "10" })}`,
      headers: { authorization: `Bearer ${token}` },
      keep: true,
    });
  const wall = list.map(() => []);
  const server = list.map(() => []);
  const healthz = [];
  const info = [];
  const appCpu = list.map(() => null);
  try {
    for (const q of list) {
      const res = await get(q);
      if (res.status !== 200) throw new Error(`library search "${q.text}" answered ${res.status}: ${res.text.slice(0, 300)}`);
      const body = JSON.parse(res.text);
      info.push({ hits: body.hits.length, exhaustive: body.exhaustive });
    }
    for (let w = 0; w < WARMUP; w++) await get(list[w % list.length]);
    const schedule = shuffledSchedule(REPS, list.length);
    for (let s = 0; s < schedule.length; s++) {
      const k = schedule[s];
      const res = await get(list[k]);
      if (res.status !== 200) throw new Error(`library search "${list[k].text}" answered ${res.status}`);
      wall[k].push(res.ms);
      server[k].push(serverTimingMs(res.headers["server-timing"], "total"));
      if (s % 5 === 0) healthz.push((await send(agent, { path: "/healthz" })).ms);
    }
    if (cpu.roles) {
      for (let k = 0; k < list.length; k++) {
        const before = cpu.snapshot(true);
        for (let r = 0; r < CPU_REPS; r++) await get(list[k]);
        appCpu[k] = round((cpu.snapshot(true).app - before.app) / CPU_REPS, 2);
      }
    }
  } finally {
    agent.destroy();
  }
  const perQuery = list.map((q, k) => ({ ...q, ...info[k], wall: stats(wall[k]), server: stats(server[k]), appCpuMs: appCpu[k] }));
  return {
    documents: DOCUMENTS,
    sectionsPerDocument: SECTIONS,
    chunks,
    uploadBytes: bytes,
    uploadMs: { total: round(uploads.reduce((a, b) => a + b, 0)), perDocumentMedian: round(median(uploads)) },
    indexingWaitMs: round(indexingMs),
    repetitions: REPS,
    search: { wall: stats(wall.flat()), server: stats(server.flat()) },
    healthz: stats(healthz),
    appCpuMsMedian: cpu.roles ? round(median(appCpu)) : null,
    perQuery,
  };
}

/** The goal: a search over 10,000 chunks stays within 50 ms at p95 (wall, through wrangler dev). */
export function libraryGoals(l) {
  return [
    {
      benchmark: "(i) library",
      measure: `library search p95 over ${l.chunks} chunks, ms (wall, sequential)`,
      value: l.search.wall.p95,
      goal: "<= 50",
      pass: l.search.wall.p95 <= 50,
    },
  ];
}

export function libraryMarkdown(l) {
  const row = (label, s) => `| ${label} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`;
  return [
    "",
    `### (i) library: search over ${l.chunks} chunks (${l.documents} documents × ${l.sectionsPerDocument} sections, ${round(l.uploadBytes / 1e6, 1)} MB uploaded in ${l.uploadMs.total} ms; ${l.uploadMs.perDocumentMedian} ms per document, median; then ${l.indexingWaitMs} ms until the last was indexed)`,
    "",
    "| Requests (ms) | n | p50 | p95 | p99 | max |",
    "|---|---|---|---|---|---|",
    row("GET /v1/library/search, wall", l.search.wall),
    row("GET /v1/library/search, server (Server-Timing total)", l.search.server),
    row("GET /healthz, same run, wall", l.healthz),
    "",
    "| Query | category | hits | wall p50 | p95 | p99 | server p50 | p99 | app CPU ms |",
    "|---|---|---|---|---|---|---|---|---|",
    ...l.perQuery.map(
      (q) =>
        `| \`${q.text}\` | ${q.category} | ${q.hits}${q.exhaustive ? "" : " (not exhaustive)"} | ${q.wall.p50} | ${q.wall.p95} | ${q.wall.p99} | ${q.server.p50} | ${q.server.p99} | ${q.appCpuMs ?? "–"} |`,
    ),
    "",
    `App CPU per search, median over the queries: ${l.appCpuMsMedian ?? "–"} ms.`,
  ].join("\n");
}

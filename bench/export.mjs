/**
 * Export and import benchmarks, run by bench/run.mjs as `npm run bench -- export`.
 *
 * Goal: export throughput (MB/s and records/s) of a 100,000-note tenant over HTTP at least 50% of
 * reading the same rows inside the object; import throughput at least 50% of the raw insert of the
 * same rows inside the object; export memory flat whatever the tenant's size.
 *
 *   export   GET /v1/admin/export through `wrangler dev`, read to the end by Node (identity, and
 *            gzip decompressed as it arrives, like `curl --compressed`), against the same export
 *            stopped at each layer: inside the object (bench/export-object.ts: pages only, + JSON,
 *            + SHA-256, the real exportStream) and read by the router over RPC without an HTTP
 *            response. Variants rotate order in every round; ratios are per round, then the median.
 *   memory   app workerd RSS (VmRSS) before, every 25 ms during, and after each export, for a
 *            10,000-note tenant and the 100,000-note one.
 *   import   the 100,000-note export POSTed (streamed, chunked) to /v1/admin/import of a fresh
 *            empty tenant, against (a) run.mjs's raw insert (`notes.upsert`, 5,000 rows per
 *            transaction, generation subtracted) and (b) `notes.restore` of the same notes in one
 *            transaction, as the import writes them; plus the import's staging half in the object.
 *
 * Wall times are taken here, in the client: inside workerd `Date.now()` does not advance during
 * synchronous work. App CPU comes from /proc, as for the other benchmarks.
 */
import { once } from "node:events";
import http from "node:http";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { createGunzip } from "node:zlib";
import { baseRecords } from "./corpus.mjs";
import { median, round, rssKiB } from "./stats.mjs";

const MB = 1e6;
const UPLOAD_CHUNK = 64 * 1024;
const RSS_EVERY_MS = 25;
/** How often a traced export keeps an RSS sample with the bytes read so far. */
const TRACE_EVERY_MS = 500;
/** Above this many notes the export benchmark runs its scale variant (route export and memory only). */
export const FULL_MATRIX_MAX_NOTES = 100_000;
/** Wire bytes per second of the slow client (the export arrives gzip-compressed, ~6 MB for 100,000 notes). */
const SLOW_CLIENT = 1 * MB;
const ROUTE_PATH = "/v1/admin/export";
/** The same stream as an HTTP response without Content-Encoding (bench/worker.ts). */
const PLAIN_PATH = "/v1/__bench/export-http";

// ---------------------------------------------------------------- memory and CPU

/** Median of 5 readings 100 ms apart (RSS moves with GC and the allocator). */
async function steadyRss(pids) {
  const readings = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rssKiB(pids));
    if (i < 4) await sleep(100);
  }
  return median(readings);
}

/**
 * Wall time, CPU per role, and app/proxy RSS (before, peak while running, right after) of one step;
 * with `trace` ({ progress: { bytes }, samples: [] }), also app RSS and bytes read so far every TRACE_EVERY_MS.
 */
async function timed(cpu, fn, trace = null) {
  const app = cpu.roles?.app ?? [];
  const proxy = cpu.roles?.proxy ?? [];
  const rssBefore = { app: await steadyRss(app), proxy: rssKiB(proxy) };
  const peak = { ...rssBefore };
  const started = performance.now();
  let tick = 0;
  const timer = setInterval(() => {
    const now = rssKiB(app);
    peak.app = Math.max(peak.app, now);
    peak.proxy = Math.max(peak.proxy, rssKiB(proxy));
    if (trace && tick++ % (TRACE_EVERY_MS / RSS_EVERY_MS) === 0)
      trace.samples.push({ ms: Math.round(performance.now() - started), appRssKiB: now, bytes: trace.progress.bytes });
  }, RSS_EVERY_MS);
  const before = cpu.snapshot();
  let value;
  try {
    value = await fn();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - started;
  const after = cpu.snapshot();
  const cpuMs = before && after ? Object.fromEntries(Object.keys(after).map((k) => [k, round(after[k] - (before[k] ?? 0), 1)])) : null;
  peak.app = Math.max(peak.app, rssKiB(app));
  const rss = {
    beforeKiB: rssBefore.app,
    peakKiB: peak.app,
    afterKiB: rssKiB(app),
    proxyBeforeKiB: rssBefore.proxy,
    proxyPeakKiB: peak.proxy,
  };
  return { ms, cpu: cpuMs, rss, value };
}

// ---------------------------------------------------------------- HTTP

const ROUTE = "HTTP GET /v1/admin/export (arrives gzip; Node gunzips)";
const PLAIN = "HTTP, the same stream without Content-Encoding (bench route)";
const STREAM = "in object: exportStream read to the end";

/** Counts "\n" bytes in a buffer. */
function newlines(buf) {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * GET /v1/admin/export read to the end: bytes on the wire, bytes and lines after decompression,
 * the footer (parsed from the last line); the whole body only when `keep`.
 */
function downloadExport({
  host,
  port,
  token,
  tenant,
  path = ROUTE_PATH,
  acceptEncoding = "gzip",
  keep = false,
  bytesPerSecond = 0,
  progress = { bytes: 0 },
}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers = { authorization: `Bearer ${token}`, "x-tenant-id": tenant, "accept-encoding": acceptEncoding };
    const req = http.request({ host, port, path, headers, agent: false }, (res) => {
      const firstByte = { ms: null };
      let wireBytes = 0;
      let bytes = 0;
      let lines = 0;
      let tail = Buffer.alloc(0);
      const kept = [];
      res.on("data", (chunk) => {
        firstByte.ms ??= performance.now() - started;
        wireBytes += chunk.length;
        // A slow client: stop reading while ahead of the rate (TCP then pushes back on the server).
        const ahead = (wireBytes / bytesPerSecond) * 1000 - (performance.now() - started);
        if (bytesPerSecond > 0 && ahead > 5) {
          res.pause();
          setTimeout(() => res.resume(), ahead);
        }
      });
      const body = res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
      body.on("data", (chunk) => {
        bytes += chunk.length;
        progress.bytes = bytes;
        lines += newlines(chunk);
        tail = Buffer.concat([tail, chunk]).subarray(-8_192);
        if (keep) kept.push(chunk);
      });
      body.on("error", reject);
      res.on("error", reject);
      body.on("end", () => {
        const ms = performance.now() - started;
        const text = tail.toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`export of ${tenant} answered ${res.statusCode}: ${text.slice(0, 300)}`));
        const footer = JSON.parse(text.trimEnd().split("\n").pop() ?? "null");
        if (footer?.type !== "footer" || footer.records !== lines - 2)
          return reject(new Error(`export of ${tenant}: ${lines} lines, footer ${JSON.stringify(footer)?.slice(0, 200)}`));
        resolve({
          ms,
          firstByteMs: firstByte.ms,
          encoding: res.headers["content-encoding"] ?? "identity",
          wireBytes,
          bytes,
          records: footer.records,
          footer,
          file: keep ? Buffer.concat(kept) : null,
        });
      });
    });
    req.setTimeout(600_000, () => req.destroy(new Error(`timeout: export of ${tenant}`)));
    req.on("error", reject);
    req.end();
  });
}

/** POST /v1/admin/import with the file streamed in 64 KB chunks (chunked transfer encoding, no length). */
function uploadImport({ host, port, token, tenant, file }) {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, "x-tenant-id": tenant, "content-type": "application/x-ndjson" };
    const req = http.request({ host, port, method: "POST", path: "/v1/admin/import", headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`import into ${tenant} answered ${res.statusCode}: ${text.slice(0, 500)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.setTimeout(600_000, () => req.destroy(new Error(`timeout: import into ${tenant}`)));
    req.on("error", reject);
    (async () => {
      for (let offset = 0; offset < file.length; offset += UPLOAD_CHUNK)
        if (!req.write(file.subarray(offset, offset + UPLOAD_CHUNK))) await once(req, "drain");
      req.end();
    })().catch((error) => req.destroy(error));
  });
}

// ---------------------------------------------------------------- the benchmark

/**
 * `source` is the suite's 100,000-note tenant (already seeded); a 10,000-note tenant and the
 * import targets are created here through the platform API, with one admin for all of them.
 */
export async function benchExport({ api, idp, host, port, cpu, operator, source, notes, rounds = 5, importRounds = 3 }) {
  if (notes > FULL_MATRIX_MAX_NOTES) return benchExportAtScale({ api, idp, host, port, cpu, operator, source, notes, rounds });
  const adminSubject = `bench-admin-${source}`;
  const admin = await idp.mint(adminSubject, 4 * 3_600);
  const as = (tenant) => ({ token: admin, headers: { "x-tenant-id": tenant } });
  const addAdmin = (tenant) =>
    api("POST", `/v1/platform/tenants/${tenant}/members`, {
      token: operator,
      body: { subject: adminSubject, role: "admin", issuer: idp.issuer },
      expect: [201],
    });
  const createTenant = async (tenant, withBase) => {
    await api("POST", "/v1/platform/tenants", {
      token: operator,
      body: { id: tenant, name: `Bench ${tenant}`, region: "us" },
      expect: [201],
    });
    await addAdmin(tenant);
    if (withBase) {
      const base = baseRecords();
      for (const kind of ["clients", "properties", "jobs"])
        await api("POST", "/v1/ingest", { ...as(tenant), body: { [kind]: base[kind] } });
    }
  };
  const rawNotes = (tenant, op, from, count) => api("POST", "/v1/__bench/notes", { ...as(tenant), body: { op, from, count } });

  await addAdmin(source);
  const small = "bench-export-10k";
  const smallNotes = Math.min(10_000, notes);
  await createTenant(small, true);
  for (let from = 0; from < smallNotes; from += 5_000) await rawNotes(small, "raw", from, 5_000);

  // The bench routes' own HTTP + RPC cost, taken off the in-object timings.
  const noops = [];
  for (let i = 0; i < 7; i++) noops.push(await timed(cpu, () => api("GET", "/v1/__bench/rpc-noop", as(source))));
  const noop = { ms: median(noops.map((n) => n.ms)), app: median(noops.map((n) => n.cpu?.app)) };

  const download = (tenant, options = {}) => downloadExport({ host, port, token: admin, tenant, ...options });
  const inObject = (tenant, stage) => async () => (await api("POST", "/v1/__bench/export-core", { ...as(tenant), body: { stage } })).json;
  const record = (m, value, overhead) => ({
    ms: round(m.ms - (overhead ? noop.ms : 0), 1),
    appCpuMs: m.cpu ? round(m.cpu.app - (overhead ? noop.app : 0), 1) : null,
    cpuMs: m.cpu,
    records: value.records,
    bytes: value.bytes,
    ...(value.wireBytes !== undefined ? { wireBytes: value.wireBytes, firstByteMs: round(value.firstByteMs, 1) } : {}),
    rss: m.rss,
  });

  // ---- memory. RSS keeps its high-water mark, so the order matters: one warm-up export of the
  // small tenant (the first export in a fresh isolate also compiles code and grows the heap once),
  // then the BIG tenant first, so any growth with size shows up in its runs rather than being
  // hidden behind the small tenant's.
  process.stderr.write("  export memory: 10k and 100k tenants\n");
  await sleep(3_000);
  const warm = await timed(cpu, () => download(small));
  const warmUp = record(warm, warm.value, false);
  const memory = { [small]: [], [source]: [] };
  for (const tenant of [source, small])
    for (let k = 0; k < 3; k++) {
      const m = await timed(cpu, () => download(tenant));
      memory[tenant].push(record(m, m.value, false));
    }
  // A client reading at SLOW_CLIENT bytes/s: whatever the object produced ahead of it would pile up somewhere.
  const slow = {};
  for (const tenant of [source, small]) {
    const m = await timed(cpu, () => download(tenant, { bytesPerSecond: SLOW_CLIENT }));
    slow[tenant] = record(m, m.value, false);
  }

  // What a client that accepts only identity gets (the router sees a normalised "br, gzip").
  const identityClient = await download(source, { acceptEncoding: "identity" });
  const encodingCheck = {
    identityClientGets: identityClient.encoding,
    wireBytes: identityClient.wireBytes,
    bytes: identityClient.bytes,
  };

  // ---- throughput: every variant once per round, order rotating
  const variants = {
    [ROUTE]: { run: () => download(source), overhead: false },
    [PLAIN]: { run: () => download(source, { path: PLAIN_PATH, acceptEncoding: "identity" }), overhead: false },
    [STREAM]: { run: inObject(source, "stream"), overhead: true },
    "in object: pages + JSON + SHA-256": { run: inObject(source, "hash"), overhead: true },
    "in object: pages + JSON": { run: inObject(source, "json"), overhead: true },
    "in object: pages only": { run: inObject(source, "page"), overhead: true },
  };
  const names = Object.keys(variants);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r * 3) % names.length];
      const m = await timed(cpu, variants[name].run);
      runs[name].push(record(m, m.value, variants[name].overhead));
    }
    process.stderr.write(`  export round ${r + 1}/${rounds}\r`);
  }
  process.stderr.write("\n");
  const rate = (x) => ({ recordsPerSecond: x.records / (x.ms / 1000), mbPerSecond: x.bytes / MB / (x.ms / 1000) });
  const summary = Object.fromEntries(
    names.map((name) => {
      const list = runs[name];
      return [
        name,
        {
          ms: round(median(list.map((x) => x.ms)), 1),
          appCpuMs: round(median(list.map((x) => x.appCpuMs)), 1),
          serverCpuMs: round(median(list.map((x) => (x.cpuMs ? x.cpuMs.app + x.cpuMs.proxy + x.cpuMs.wrangler : NaN))), 1),
          driverCpuMs: round(median(list.map((x) => x.cpuMs?.driver)), 1),
          records: list[0].records,
          bytes: list[0].bytes,
          wireBytes: list[0].wireBytes ?? null,
          recordsPerSecond: round(median(list.map((x) => rate(x).recordsPerSecond)), 0),
          mbPerSecond: list[0].bytes > 0 ? round(median(list.map((x) => rate(x).mbPerSecond)), 2) : null,
          peakRssDeltaKiB: Math.max(...list.map((x) => x.rss.peakKiB - x.rss.beforeKiB)),
          runsMs: list.map((x) => x.ms),
        },
      ];
    }),
  );
  const [route, plain, stream, hash, json, page] = names;
  const ratioPerRound = (a, b, key = "recordsPerSecond") => runs[a].map((x, i) => rate(x)[key] / rate(runs[b][i])[key]);
  const ratios = {
    routeVsInObject: {
      recordsPerSecond: round(median(ratioPerRound(route, stream)), 3),
      mbPerSecond: round(median(ratioPerRound(route, stream, "mbPerSecond")), 3),
      rounds: ratioPerRound(route, stream).map((v) => round(v, 3)),
    },
    plainHttpVsInObject: {
      recordsPerSecond: round(median(ratioPerRound(plain, stream)), 3),
      rounds: ratioPerRound(plain, stream).map((v) => round(v, 3)),
    },
    routeVsPagesOnly: round(median(ratioPerRound(route, page)), 3),
    // Capacity from app CPU alone (what the object and router spend, not what the dev proxy and Node add).
    byAppCpu: {
      routeVsInObject: round(summary[stream].appCpuMs / summary[route].appCpuMs, 3),
      plainHttpVsInObject: round(summary[stream].appCpuMs / summary[plain].appCpuMs, 3),
    },
  };
  const layer = (key) => {
    const s = (n) => summary[n][key];
    return {
      "SQLite paging and row objects (pages only)": s(page),
      "JSON.stringify per line (json - pages)": s(json) - s(page),
      "SHA-256 per line (hash - json)": s(hash) - s(json),
      "stream: TextEncoder, 64 KB chunks, ReadableStream (exportStream - hash)": s(stream) - s(hash),
      "RPC stream to the router, HTTP response, dev proxy, Node reads (plain HTTP - exportStream)": s(plain) - s(stream),
      "the route: guard and audit entry, gzip in the runtime, gunzip in Node (route - plain HTTP)": s(route) - s(plain),
    };
  };
  const budget = {
    wallMs: Object.fromEntries(Object.entries(layer("ms")).map(([k, v]) => [k, round(v, 1)])),
    appCpuMs: cpu.roles ? Object.fromEntries(Object.entries(layer("appCpuMs")).map(([k, v]) => [k, round(v, 1)])) : null,
  };

  // ---- memory summary: the peak rise of app RSS during each export over the reading just before it
  const rise = (list) => list.map((x) => x.rss.peakKiB - x.rss.beforeKiB);
  const memorySummary = Object.fromEntries(
    [small, source].map((tenant) => [
      tenant,
      {
        records: memory[tenant][0].records,
        bytes: memory[tenant][0].bytes,
        peakRiseKiB: rise(memory[tenant]),
        maxPeakRiseKiB: Math.max(...rise(memory[tenant])),
        beforeKiB: memory[tenant].map((x) => x.rss.beforeKiB),
        peakKiB: memory[tenant].map((x) => x.rss.peakKiB),
        afterKiB: memory[tenant].map((x) => x.rss.afterKiB),
        // From before the first of these runs to after the last: what stayed.
        netGrowthKiB: memory[tenant][memory[tenant].length - 1].rss.afterKiB - memory[tenant][0].rss.beforeKiB,
        proxyPeakRiseKiB: Math.max(...memory[tenant].map((x) => x.rss.proxyPeakKiB - x.rss.proxyBeforeKiB)),
        slowClient: {
          bytesPerSecond: SLOW_CLIENT,
          ms: slow[tenant].ms,
          peakRiseKiB: slow[tenant].rss.peakKiB - slow[tenant].rss.beforeKiB,
          proxyPeakRiseKiB: slow[tenant].rss.proxyPeakKiB - slow[tenant].rss.proxyBeforeKiB,
        },
      },
    ]),
  );
  const allBig = [...memory[source], ...runs[route]];
  const flat = {
    warmUpRiseKiB: warmUp.rss.peakKiB - warmUp.rss.beforeKiB,
    smallMaxRiseKiB: Math.max(memorySummary[small].maxPeakRiseKiB, memorySummary[small].slowClient.peakRiseKiB),
    bigMaxRiseKiB: Math.max(memorySummary[source].maxPeakRiseKiB, memorySummary[source].slowClient.peakRiseKiB),
    bigMaxRiseOverAllHttpRunsKiB: Math.max(...rise(allBig)),
    bigExportKiB: round(memorySummary[source].bytes / 1024, 0),
    // Flat: the 100k export's rise within 2x the 10k export's rise plus 8 MiB of allocator noise.
    limitKiB: 0,
  };
  flat.limitKiB = 2 * flat.smallMaxRiseKiB + 8_192;
  flat.met = flat.bigMaxRiseKiB <= flat.limitKiB;

  // ---- import
  process.stderr.write("  import: export file, then fresh tenants\n");
  const fileExport = await download(source, { keep: true });
  const file = fileExport.file;
  const fileRecords = fileExport.records;
  const BLOCK = 5_000;
  const imports = [];
  const raws = [];
  const restores = [];
  const stages = [];
  const steps = {
    import: async (r) => {
      const tenant = `bench-import-${r + 1}`;
      await createTenant(tenant, false);
      const m = await timed(cpu, () => uploadImport({ host, port, token: admin, tenant, file }));
      if (m.value.records !== fileRecords) throw new Error(`import into ${tenant} wrote ${m.value.records} of ${fileRecords} records`);
      imports.push({ ...record(m, { records: m.value.records, bytes: file.length }, false), counts: m.value.counts });
    },
    raw: async (r) => {
      const tenant = `bench-import-raw-${r + 1}`;
      await createTenant(tenant, true);
      const gen = [];
      for (let k = 0; k < 3; k++) gen.push(await timed(cpu, () => rawNotes(tenant, "generate", k * BLOCK, BLOCK)));
      const genMs = median(gen.map((g) => g.ms));
      const genApp = median(gen.map((g) => g.cpu?.app));
      let ms = 0;
      let app = 0;
      let peak = 0;
      for (let from = 0; from < notes; from += BLOCK) {
        const m = await timed(cpu, () => rawNotes(tenant, "raw", from, BLOCK));
        if (m.value.json.rows !== BLOCK) throw new Error(`raw insert into ${tenant} wrote ${m.value.json.rows} of ${BLOCK}`);
        ms += m.ms - genMs;
        app += (m.cpu?.app ?? NaN) - genApp;
        peak = Math.max(peak, m.rss.peakKiB - m.rss.beforeKiB);
      }
      raws.push({ ms: round(ms, 1), appCpuMs: round(app, 1), records: notes, generationMsPerBatch: round(genMs, 1), peakRiseKiB: peak });
    },
    restore: async (r) => {
      const tenant = `bench-import-restore-${r + 1}`;
      await createTenant(tenant, true);
      const body = (write) => ({ ...as(tenant), body: { from: 0, count: notes, write } });
      const gen = await timed(cpu, () => api("POST", "/v1/__bench/restore-notes", body(false)));
      const m = await timed(cpu, () => api("POST", "/v1/__bench/restore-notes", body(true)));
      if (m.value.json.rows !== notes) throw new Error(`restore into ${tenant} wrote ${m.value.json.rows} of ${notes}`);
      restores.push({
        ms: round(m.ms - gen.ms, 1),
        appCpuMs: m.cpu ? round(m.cpu.app - gen.cpu.app, 1) : null,
        records: notes,
        generationMs: round(gen.ms, 1),
      });
    },
    stage: async () => {
      const m = await timed(cpu, async () => (await api("POST", "/v1/__bench/import-stage", as(source))).json);
      stages.push({ ms: round(m.ms - noop.ms, 1), appCpuMs: m.cpu ? round(m.cpu.app - noop.app, 1) : null, records: m.value.records });
    },
  };
  const order = Object.keys(steps);
  for (let r = 0; r < importRounds; r++) {
    for (let k = 0; k < order.length; k++) await steps[order[(k + r) % order.length]](r);
    process.stderr.write(`  import round ${r + 1}/${importRounds}\r`);
  }
  process.stderr.write("\n");
  const perSecond = (x) => x.records / (x.ms / 1000);
  const importRatioRounds = imports.map((x, i) => perSecond(x) / perSecond(raws[i]));
  const restoreRatioRounds = imports.map((x, i) => perSecond(x) / perSecond(restores[i]));
  const streamMs = summary[stream].ms;
  const streamApp = summary[stream].appCpuMs;
  const importSummary = {
    file: { bytes: file.length, records: fileRecords, counts: fileExport.footer.counts },
    http: {
      ms: round(median(imports.map((x) => x.ms)), 1),
      appCpuMs: round(median(imports.map((x) => x.appCpuMs)), 1),
      recordsPerSecond: round(median(imports.map(perSecond)), 0),
      mbPerSecond: round(median(imports.map((x) => x.bytes / MB / (x.ms / 1000))), 2),
      peakRssRiseKiB: Math.max(...imports.map((x) => x.rss.peakKiB - x.rss.beforeKiB)),
    },
    raw: {
      ms: round(median(raws.map((x) => x.ms)), 1),
      appCpuMs: round(median(raws.map((x) => x.appCpuMs)), 1),
      rowsPerSecond: round(median(raws.map(perSecond)), 0),
    },
    restoreOneTransaction: {
      ms: round(median(restores.map((x) => x.ms)), 1),
      appCpuMs: round(median(restores.map((x) => x.appCpuMs)), 1),
      rowsPerSecond: round(median(restores.map(perSecond)), 0),
    },
    stageInObject: {
      ms: round(median(stages.map((x) => x.ms)), 1),
      appCpuMs: round(median(stages.map((x) => x.appCpuMs)), 1),
      // The in-object export that feeds it, taken off: parse, zod, SHA-256 and the staging insert.
      stagingOnlyMs: round(median(stages.map((x) => x.ms)) - streamMs, 1),
      stagingOnlyAppCpuMs: round(median(stages.map((x) => x.appCpuMs)) - streamApp, 1),
    },
    ratio: {
      httpVsRaw: round(median(importRatioRounds), 3),
      httpVsRawRounds: importRatioRounds.map((v) => round(v, 3)),
      httpVsRestoreOneTransaction: round(median(restoreRatioRounds), 3),
      byAppCpu: { httpVsRaw: round(median(raws.map((x) => x.appCpuMs)) / median(imports.map((x) => x.appCpuMs)), 3) },
    },
    runs: { imports, raws, restores, stages },
  };

  return {
    source,
    small,
    notes: { [source]: notes, [small]: smallNotes },
    rounds,
    importRounds,
    bytesPerMB: MB,
    benchRouteOverhead: { ms: round(noop.ms, 2), appCpuMs: round(noop.app, 2) },
    export: { variants: summary, ratios, budget, encodingCheck, runs },
    memory: { warmUp, perTenant: memorySummary, flat, runs: memory, slowRuns: slow },
    import: importSummary,
  };
}

// ---------------------------------------------------------------- the scale variant

/**
 * The export at scale (`--notes` above FULL_MATRIX_MAX_NOTES, e.g. 1,000,000): the full matrix of
 * six variants and the import would take hours there, so this runs only what the memory goal
 * needs. Tenants of 10,000 and 100,000 notes are made beside `source` (seeded by run.mjs with
 * `notes` notes). One warm-up export of the smallest, then `rounds` route exports of each tenant,
 * BIGGEST first (RSS keeps its high-water mark, so growth with size shows in the big tenant's runs
 * rather than hiding behind the small ones'), then one slow-client read of each, biggest first.
 * The first route export and the slow read of the biggest tenant keep an RSS trace against the
 * bytes read so far, so growth while an export runs can be told from a one-time step at its start.
 */
async function benchExportAtScale({ api, idp, host, port, cpu, operator, source, notes, rounds }) {
  const adminSubject = `bench-admin-${source}`;
  const admin = await idp.mint(adminSubject, 4 * 3_600);
  const as = (tenant) => ({ token: admin, headers: { "x-tenant-id": tenant } });
  const addAdmin = (tenant) =>
    api("POST", `/v1/platform/tenants/${tenant}/members`, {
      token: operator,
      body: { subject: adminSubject, role: "admin", issuer: idp.issuer },
      expect: [201],
    });
  await addAdmin(source);
  const tenants = [{ tenant: source, notes }];
  for (const size of [100_000, 10_000]) {
    const tenant = `bench-export-${size / 1_000}k`;
    process.stderr.write(`  export at scale: seeding ${tenant}\n`);
    await api("POST", "/v1/platform/tenants", {
      token: operator,
      body: { id: tenant, name: `Bench ${tenant}`, region: "us" },
      expect: [201],
    });
    await addAdmin(tenant);
    const base = baseRecords();
    for (const kind of ["clients", "properties", "jobs"]) await api("POST", "/v1/ingest", { ...as(tenant), body: { [kind]: base[kind] } });
    for (let from = 0; from < size; from += 5_000)
      await api("POST", "/v1/__bench/notes", { ...as(tenant), body: { op: "raw", from, count: 5_000 } });
    tenants.push({ tenant, notes: size });
  }
  const smallest = tenants[tenants.length - 1].tenant;
  const download = (tenant, options = {}) => downloadExport({ host, port, token: admin, tenant, ...options });
  const record = (m) => ({
    ms: round(m.ms, 1),
    appCpuMs: m.cpu ? round(m.cpu.app, 1) : null,
    cpuMs: m.cpu,
    records: m.value.records,
    bytes: m.value.bytes,
    wireBytes: m.value.wireBytes,
    firstByteMs: round(m.value.firstByteMs, 1),
    rss: m.rss,
  });
  const traced = async (tenant, options = {}) => {
    const trace = { progress: { bytes: 0 }, samples: [] };
    const m = await timed(cpu, () => download(tenant, { ...options, progress: trace.progress }), trace);
    return { ...record(m), trace: trace.samples };
  };

  process.stderr.write(`  export at scale: ${rounds} route export(s) per tenant, then a slow client\n`);
  await sleep(3_000);
  const warm = await timed(cpu, () => download(smallest));
  const warmUp = record(warm);
  const runs = Object.fromEntries(tenants.map((t) => [t.tenant, []]));
  for (const { tenant } of tenants)
    for (let k = 0; k < rounds; k++) {
      runs[tenant].push(tenant === source && k === 0 ? await traced(tenant) : record(await timed(cpu, () => download(tenant))));
      process.stderr.write(`  ${tenant}: export ${k + 1}/${rounds}\r`);
    }
  process.stderr.write("\n");
  const slow = {};
  for (const { tenant } of tenants) {
    slow[tenant] =
      tenant === source
        ? await traced(tenant, { bytesPerSecond: SLOW_CLIENT })
        : record(await timed(cpu, () => download(tenant, { bytesPerSecond: SLOW_CLIENT })));
    process.stderr.write(`  ${tenant}: slow client done (${round(slow[tenant].ms / 1000, 1)} s)\n`);
  }

  const rise = (x) => x.rss.peakKiB - x.rss.beforeKiB;
  const perTenant = Object.fromEntries(
    tenants.map(({ tenant, notes: n }) => {
      const list = runs[tenant];
      const s = slow[tenant];
      return [
        tenant,
        {
          notes: n,
          records: list[0].records,
          bytes: list[0].bytes,
          wireBytes: list[0].wireBytes,
          ms: round(median(list.map((x) => x.ms)), 1),
          runsMs: list.map((x) => x.ms),
          appCpuMs: round(median(list.map((x) => x.appCpuMs)), 1),
          firstByteMs: round(median(list.map((x) => x.firstByteMs)), 1),
          recordsPerSecond: round(median(list.map((x) => x.records / (x.ms / 1000))), 0),
          mbPerSecond: round(median(list.map((x) => x.bytes / MB / (x.ms / 1000))), 2),
          recordsPerAppCpuSecond: cpu.roles ? round(median(list.map((x) => x.records / (x.appCpuMs / 1000))), 0) : null,
          beforeKiB: list.map((x) => x.rss.beforeKiB),
          peakKiB: list.map((x) => x.rss.peakKiB),
          afterKiB: list.map((x) => x.rss.afterKiB),
          peakRiseKiB: list.map(rise),
          maxPeakRiseKiB: Math.max(...list.map(rise)),
          proxyPeakRiseKiB: Math.max(...list.map((x) => x.rss.proxyPeakKiB - x.rss.proxyBeforeKiB)),
          slowClient: {
            bytesPerSecond: SLOW_CLIENT,
            ms: s.ms,
            wireBytes: s.wireBytes,
            beforeKiB: s.rss.beforeKiB,
            peakKiB: s.rss.peakKiB,
            afterKiB: s.rss.afterKiB,
            peakRiseKiB: rise(s),
            proxyPeakRiseKiB: s.rss.proxyPeakKiB - s.rss.proxyBeforeKiB,
          },
        },
      ];
    }),
  );
  const [big, mid, small] = tenants.map((t) => perTenant[t.tenant]);
  const worst = (t) => Math.max(t.maxPeakRiseKiB, t.slowClient.peakRiseKiB);
  /** RSS growth while the export ran: the last sample against the first taken after a tenth of the bytes had been read. */
  const growthWhileRunning = (samples, total) => {
    const from = samples.find((x) => x.bytes >= total / 10);
    const to = samples[samples.length - 1];
    return from && to ? { fromMs: from.ms, toMs: to.ms, kiB: to.appRssKiB - from.appRssKiB } : null;
  };
  const flat = {
    riseKiB: { [small.notes]: worst(small), [mid.notes]: worst(mid), [big.notes]: worst(big) },
    routeRiseKiB: { [small.notes]: small.maxPeakRiseKiB, [mid.notes]: mid.maxPeakRiseKiB, [big.notes]: big.maxPeakRiseKiB },
    // The brief's ratio: peak growth of the biggest tenant's export over the 100,000-note one's (route exports and slow reads alike).
    bigVsMidRise: mid.notes === big.notes ? null : round(worst(big) / Math.max(1, worst(mid)), 2),
    bigVsMidRouteRise: round(big.maxPeakRiseKiB / Math.max(1, mid.maxPeakRiseKiB), 2),
    bigExportKiB: round(big.bytes / 1024, 0),
    growthWhileRunningKiB: {
      route: growthWhileRunning(runs[source][0].trace, big.bytes),
      slowClient: growthWhileRunning(slow[source].trace, big.bytes),
    },
    // As in the full benchmark: the biggest export's rise within 2x the 100,000-note one's plus 8 MiB of allocator noise.
    limitKiB: 2 * worst(mid) + 8_192,
    met: false,
  };
  flat.met = worst(big) <= flat.limitKiB;
  return {
    mode: "scale",
    source,
    tenants: tenants.map((t) => t.tenant),
    notes: Object.fromEntries(tenants.map((t) => [t.tenant, t.notes])),
    rounds,
    bytesPerMB: MB,
    memory: { warmUp, perTenant, flat, runs, slowRuns: slow },
  };
}

/** Goal rows for the suite's table. */
export function exportGoals(x) {
  const out = [];
  const add = (measure, value, goal, pass) => out.push({ benchmark: "(f) export", measure, value, goal, pass });
  if (x.mode === "scale") {
    const f = x.memory.flat;
    const [big, mid, small] = x.tenants.map((t) => x.memory.perTenant[t]);
    add(
      `export memory: peak app RSS rise, ${big.notes}-note export (${round(big.bytes / MB, 1)} MB) vs ${mid.notes} vs ${small.notes} (KiB, route and slow client)`,
      `${f.riseKiB[big.notes]} vs ${f.riseKiB[mid.notes]} vs ${f.riseKiB[small.notes]}`,
      "flat (<= 2x the 100k rise + 8 MiB)",
      f.met,
    );
    add(`peak rise ${big.notes} / peak rise ${mid.notes}`, f.bigVsMidRise, "–", null);
    for (const t of [big, mid, small])
      add(`GET /v1/admin/export, ${t.notes} notes: records/s, MB/s`, `${t.recordsPerSecond}, ${t.mbPerSecond}`, "–", null);
    return out;
  }
  const v = x.export.variants;
  const route = v[ROUTE];
  const plain = v[PLAIN];
  const inObj = v[STREAM];
  const r = x.export.ratios;
  add(
    `GET /v1/admin/export / in-object export, records/s (${route.records} records, ${round(route.bytes / MB, 1)} MB, gzip on the wire)`,
    r.routeVsInObject.recordsPerSecond,
    ">= 0.50",
    r.routeVsInObject.recordsPerSecond >= 0.5,
  );
  add("GET /v1/admin/export / in-object export, MB/s", r.routeVsInObject.mbPerSecond, ">= 0.50", r.routeVsInObject.mbPerSecond >= 0.5);
  add("same stream over HTTP without gzip / in-object export, records/s", r.plainHttpVsInObject.recordsPerSecond, "–", null);
  add("GET /v1/admin/export: records/s, MB/s", `${route.recordsPerSecond}, ${route.mbPerSecond}`, "–", null);
  add("without gzip: records/s, MB/s", `${plain.recordsPerSecond}, ${plain.mbPerSecond}`, "–", null);
  add("in the object: records/s, MB/s", `${inObj.recordsPerSecond}, ${inObj.mbPerSecond}`, "–", null);
  const i = x.import;
  add(
    `POST /v1/admin/import / raw insert in the object, records/s (${i.file.records} records)`,
    i.ratio.httpVsRaw,
    ">= 0.50",
    i.ratio.httpVsRaw >= 0.5,
  );
  add("POST /v1/admin/import: records/s, MB/s", `${i.http.recordsPerSecond}, ${i.http.mbPerSecond}`, "–", null);
  add("raw insert in the object (notes.upsert, 5000 per transaction): rows/s", i.raw.rowsPerSecond, "–", null);
  const f = x.memory.flat;
  add(
    "export memory: peak app RSS rise, 100k-note export vs 10k (KiB)",
    `${f.bigMaxRiseKiB} vs ${f.smallMaxRiseKiB}`,
    "flat (<= 2x + 8 MiB)",
    f.met,
  );
  return out;
}

/** Markdown tables for stdout. */
export function exportMarkdown(x) {
  const L = [];
  const cell = (v) => (v === null || v === undefined ? "–" : String(v));
  if (x.mode === "scale") {
    L.push("", `(f) Export at scale: GET /v1/admin/export (gzip, Node gunzips), ${x.rounds} export(s) per tenant, biggest first`, "");
    L.push(
      "| Tenant | notes | records | MB | wire MB | ms | records/s | MB/s | app CPU ms | first byte ms | RSS before KiB | peak KiB | after KiB | peak rise KiB | slow client: s, rise KiB, proxy rise KiB |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const [tenant, m] of Object.entries(x.memory.perTenant))
      L.push(
        `| ${tenant} | ${m.notes} | ${m.records} | ${round(m.bytes / MB, 1)} | ${round(m.wireBytes / MB, 1)} | ${m.runsMs.join(", ")} | ${m.recordsPerSecond} | ${m.mbPerSecond} | ${cell(m.appCpuMs)} | ${m.firstByteMs} | ${m.beforeKiB.join(", ")} | ${m.peakKiB.join(", ")} | ${m.afterKiB.join(", ")} | ${m.peakRiseKiB.join(", ")} | ${round(m.slowClient.ms / 1000, 1)}, ${m.slowClient.peakRiseKiB}, ${m.slowClient.proxyPeakRiseKiB} |`,
      );
    const f = x.memory.flat;
    const g = f.growthWhileRunningKiB;
    L.push(
      "",
      `Peak rise, biggest / 100k: ${f.bigVsMidRise} (route exports only: ${f.bigVsMidRouteRise}); warm-up rise ${x.memory.warmUp.rss.peakKiB - x.memory.warmUp.rss.beforeKiB} KiB. RSS growth while the biggest export ran (from a tenth of its bytes to the end): route ${cell(g.route?.kiB)} KiB over ${cell(g.route && g.route.toMs - g.route.fromMs)} ms, slow client ${cell(g.slowClient?.kiB)} KiB over ${cell(g.slowClient && g.slowClient.toMs - g.slowClient.fromMs)} ms.`,
    );
    return L.join("\n");
  }
  L.push("", `(f) Export of ${x.source} (${x.export.variants[ROUTE].records} records), ${x.rounds} rounds`, "");
  L.push("| Path | ms | records/s | MB/s | app CPU ms | server CPU ms | peak RSS rise KiB |", "|---|---|---|---|---|---|---|");
  for (const [k, v] of Object.entries(x.export.variants))
    L.push(
      `| ${k} | ${v.ms} | ${v.recordsPerSecond} | ${cell(v.mbPerSecond)} | ${cell(v.appCpuMs)} | ${cell(v.serverCpuMs)} | ${v.peakRssDeltaKiB} |`,
    );
  L.push("", "| Part | wall ms | app CPU ms |", "|---|---|---|");
  for (const k of Object.keys(x.export.budget.wallMs))
    L.push(`| ${k} | ${x.export.budget.wallMs[k]} | ${cell(x.export.budget.appCpuMs?.[k])} |`);
  L.push("", "| Tenant | records | bytes | before KiB | peak KiB | after KiB | peak rise KiB |", "|---|---|---|---|---|---|---|");
  for (const [tenant, m] of Object.entries(x.memory.perTenant))
    L.push(
      `| ${tenant} | ${m.records} | ${m.bytes} | ${m.beforeKiB.join(", ")} | ${m.peakKiB.join(", ")} | ${m.afterKiB.join(", ")} | ${m.peakRiseKiB.join(", ")}; slow client ${m.slowClient.peakRiseKiB} (proxy ${m.slowClient.proxyPeakRiseKiB}) |`,
    );
  const i = x.import;
  L.push("", `(f) Import of ${i.file.records} records (${i.file.bytes} bytes), ${x.importRounds} rounds`, "");
  L.push("| Path | ms | records/s | app CPU ms |", "|---|---|---|---|");
  L.push(`| HTTP POST /v1/admin/import | ${i.http.ms} | ${i.http.recordsPerSecond} | ${cell(i.http.appCpuMs)} |`);
  L.push(`| raw notes.upsert, 5000 per transaction | ${i.raw.ms} | ${i.raw.rowsPerSecond} | ${cell(i.raw.appCpuMs)} |`);
  L.push(
    `| notes.restore, one transaction | ${i.restoreOneTransaction.ms} | ${i.restoreOneTransaction.rowsPerSecond} | ${cell(i.restoreOneTransaction.appCpuMs)} |`,
  );
  L.push(`| in object: export + stageImport | ${i.stageInObject.ms} | | ${cell(i.stageInObject.appCpuMs)} |`);
  return L.join("\n");
}

/**
 * (g) semantic: the ingest rate with the semantic index's queue on, against the same ingests with
 * it off. Two tenants get the same base records; the "on" tenant's object has stand-in AI and
 * Vectorize bindings (bench/semantic-bindings.ts: 30 ms of simulated network, no CPU), so every
 * ingest marks its notes for embedding and wakes the embed queue, whose steps run on the same
 * object between and beside the ingests. Rounds alternate which tenant goes first; each round
 * ingests BATCHES × 1,000 new notes into each; the goal is the median per-round ratio of rows/s
 * (on / off) ≥ 0.9. Afterwards the "on" tenant's queue is drained and its coverage read.
 */
import { median, round } from "./stats.mjs";

const BATCH = 1_000;
const BATCHES = 5;
export const SEMANTIC_TENANTS = { off: "bench-sem-off", on: "bench-sem-on" };

export async function benchSemantic({ api, idp, operator, issuer, base, notesBody, measure, rounds }) {
  const tokens = {};
  for (const tenant of Object.values(SEMANTIC_TENANTS)) {
    await api("POST", "/v1/platform/tenants", {
      token: operator,
      body: { id: tenant, name: `Bench ${tenant}`, region: "us" },
      expect: [201],
    });
    for (const [subject, role] of [
      [`disp-${tenant}`, "dispatcher"],
      [`admin-${tenant}`, "admin"],
    ])
      await api("POST", `/v1/platform/tenants/${tenant}/members`, { token: operator, body: { subject, role, issuer }, expect: [201] });
    tokens[tenant] = await idp.mint(`disp-${tenant}`);
    for (const kind of ["clients", "properties", "jobs"])
      await api("POST", "/v1/ingest", { token: tokens[tenant], body: { [kind]: base[kind] } });
  }
  const adminOn = await idp.mint(`admin-${SEMANTIC_TENANTS.on}`);
  const coverage = async () => (await api("GET", "/v1/admin/index/coverage", { token: adminOn })).json;
  // The base records' embedding is not part of the comparison: let it finish first.
  const drain = async (limitMs) => {
    const started = performance.now();
    for (;;) {
      const c = await coverage();
      if (c.semantic.pending === 0 && !c.tasks.some((t) => t.kind === "embed" && (t.status === "queued" || t.status === "running")))
        return { ms: round(performance.now() - started), coverage: c.semantic };
      if (performance.now() - started > limitMs) return { ms: null, coverage: c.semantic };
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const baseDrain = await drain(120_000);

  const ingest = async (tenant, from) => {
    const r = await api("POST", "/v1/ingest", { token: tokens[tenant], body: notesBody(from, BATCH) });
    if (r.json.notes.inserted !== BATCH) throw new Error(`ingest into ${tenant}: ${JSON.stringify(r.json.notes)}`);
  };
  const perRound = [];
  let from = 0;
  for (let r = 0; r < rounds; r++) {
    const ms = { off: 0, on: 0 };
    for (let b = 0; b < BATCHES; b++, from += BATCH) {
      const order = (r + b) % 2 === 0 ? ["off", "on"] : ["on", "off"];
      for (const which of order) ms[which] += (await measure(() => ingest(SEMANTIC_TENANTS[which], from))).ms;
    }
    const rate = { off: (BATCHES * BATCH) / (ms.off / 1000), on: (BATCHES * BATCH) / (ms.on / 1000) };
    perRound.push({ rowsPerSecondOff: round(rate.off, 1), rowsPerSecondOn: round(rate.on, 1), ratio: round(rate.on / rate.off, 3) });
    process.stderr.write(`  semantic round ${r + 1}/${rounds}: ${perRound.at(-1).ratio}\n`);
  }
  const after = await drain(300_000);
  return {
    batch: BATCH,
    batchesPerRound: BATCHES,
    rounds: perRound,
    ratio: round(median(perRound.map((x) => x.ratio)), 3),
    baseDrain,
    drainAfter: after,
  };
}

export function semanticGoals(s) {
  return [
    {
      benchmark: "(g) semantic",
      measure: "ingest rows/s with the embed queue on / off (stand-in services)",
      value: s.ratio,
      goal: ">= 0.90",
      pass: s.ratio >= 0.9,
    },
  ];
}

export function semanticMarkdown(s) {
  const lines = [
    "",
    "### (g) semantic: ingest with the embed queue on",
    "",
    "| round | rows/s off | rows/s on | on / off |",
    "|---|---|---|---|",
    ...s.rounds.map((r, i) => `| ${i + 1} | ${r.rowsPerSecondOff} | ${r.rowsPerSecondOn} | ${r.ratio} |`),
    "",
    `median ratio ${s.ratio}; the queue drained the last batches in ${s.drainAfter.ms ?? "> 300000"} ms after the ingests (${JSON.stringify(s.drainAfter.coverage)})`,
  ];
  return lines.join("\n");
}

import { readFileSync } from "node:fs";

/** Small statistics and process readings shared by the benchmark drivers (run.mjs, realtime.mjs, export.mjs). */

export const round = (v, digits = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Median of the finite values (NaN when there are none). */
export const median = (values) =>
  percentile(
    values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b),
    0.5,
  );

/** Resident set size of some processes, in KiB (VmRSS from /proc). */
export function rssKiB(pids) {
  let total = 0;
  for (const pid of pids ?? []) {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) total += Number(m[1]);
    } catch {
      /* the process ended */
    }
  }
  return total;
}

/** Every index 0…n-1 `reps` times, in one fixed shuffled order (an LCG from seed 42: the same on every run). */
export function shuffledSchedule(reps, n) {
  const schedule = [];
  for (let r = 0; r < reps; r++) for (let k = 0; k < n; k++) schedule.push(k);
  let seed = 42;
  for (let i = schedule.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [schedule[i], schedule[j]] = [schedule[j], schedule[i]];
  }
  return schedule;
}

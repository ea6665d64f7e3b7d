/**
 * Deterministic benchmark corpus, shared by the Node driver (bench/run.mjs) and the bench worker
 * (bench/worker.ts), so both sides can build the very same note for a given index without
 * shipping it: the raw-insert baseline generates its rows inside the object.
 *
 * Note text is made of short field-service sentences whose slot words, plus a tail of made-up
 * words, are drawn from a Zipf-like distribution (rank r has weight 1/r). The head words ("the",
 * "unit", "checked", ...) therefore appear in most notes, the tail words in a handful, and about
 * one note in ten carries a serial number that is unique to it (the rarest possible term).
 */

export const CORPUS = Object.freeze({
  clients: 200,
  propertiesPerClient: 2,
  jobs: 2_000,
  technicians: 20,
  /** Share of notes attached to a client or a property instead of a job (each). */
  sideNoteShare: 0.05,
  baseTime: Date.UTC(2024, 0, 1),
});

/** A small, fast, seedable PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Ranked: the first words are the most frequent. Domain words first, then made-up tail words.
const HEAD = (
  "the unit and checked on replaced filter customer system pressure to of was no leak found compressor valve tested ok " +
  "coil fan motor belt cleaned drain line refrigerant charge thermostat wiring breaker panel condenser evaporator " +
  "rooftop furnace boiler pump water heater duct vent damper sensor control board capacitor contactor relay fuse " +
  "noise vibration airflow temperature setpoint reading low high normal warm cold cycling tripped leaking frozen " +
  "ice rust corrosion worn cracked loose tight adjusted lubricated bearing shaft pulley tension gasket seal door " +
  "hinge latch access ladder roof basement attic mechanical room closet ceiling wall floor kitchen office lobby " +
  "tenant manager site contact called scheduled return visit parts ordered quote approved warranty invoice " +
  "photo attached label model serial gauge manifold vacuum recovered added pounds psi degrees amps volts ohms " +
  "meter megger insulation ground neutral phase single three voltage current drawing rated nameplate spec " +
  "recommend replacement upgrade efficiency annual maintenance inspection safety hazard gas smell carbon monoxide " +
  "detector alarm battery reset code error fault blinking display screen app remote schedule weekend"
).split(" ");

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "ta",
  "vo",
  "si",
  "de",
  "ba",
  "qu",
  "or",
  "en",
  "il",
  "ar",
  "zu",
  "pe",
  "fy",
  "gra",
  "tor",
];
const TAIL_SIZE = 3_800;

function buildTail() {
  const next = rng(0x5eed);
  const taken = new Set(HEAD);
  const out = [];
  while (out.length < TAIL_SIZE) {
    const n = 2 + Math.floor(next() * 3);
    let word = "";
    for (let i = 0; i < n; i++) word += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    if (word.length < 5 || taken.has(word)) continue;
    taken.add(word);
    out.push(word);
  }
  return out;
}

export const VOCABULARY = Object.freeze([...HEAD, ...buildTail()]);

const CDF = (() => {
  const weights = VOCABULARY.map((_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return Float64Array.from(weights, (w) => (sum += w / total));
})();

/** A word by Zipf rank (binary search over the cumulative weights). */
function zipfWord(next) {
  const u = next();
  let lo = 0;
  let hi = CDF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CDF[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo];
}

const FUNCTION_WORDS = new Set(["the", "and", "to", "of", "on", "was", "no"]);
const SLOT_WORDS = new Set(HEAD.filter((w) => !FUNCTION_WORDS.has(w)));

/** Template slots take domain words only (no "the the"), still Zipf-weighted. */
function zipfDomainWord(next) {
  for (let i = 0; i < 8; i++) {
    const w = zipfWord(next);
    if (SLOT_WORDS.has(w)) return w;
  }
  return HEAD[10 + Math.floor(next() * 40)];
}

const TEMPLATES = [
  (w, _n) => `Checked the ${w()} and the ${w()}, ${w()} was ${w()}.`,
  (w, _n) => `Replaced the ${w()} ${w()} on the ${w()} unit.`,
  (w, _n) => `Customer reported ${w()} ${w()} near the ${w()}.`,
  (w, n) => `Pressure at ${20 + Math.floor(n() * 300)} psi, ${w()} ${w()} ok.`,
  (w, _n) => `Found a ${w()} on the ${w()} line, ${w()} to return.`,
  (w, n) => `Tested the ${w()}; reading ${Math.floor(n() * 100)} ${w()}.`,
  (w, _n) => `Access to the ${w()} through the ${w()} ${w()}.`,
  (w, _n) => `Cleaned the ${w()} and ${w()} the ${w()}.`,
];

const pad = (n, width) => String(n).padStart(width, "0");
export const clientId = (c) => `C${pad(c, 4)}`;
export const propertyId = (p) => `P${pad(p, 4)}`;
export const jobId = (j) => `J${pad(j, 5)}`;
export const noteId = (i) => `N${pad(i, 7)}`;
export const technicianSubject = (t) => `bench-tech-${pad(t, 2)}`;
/** Technician t is assigned every job j with j % technicians === t (100 jobs each by default). */
export const jobTechnician = (j) => technicianSubject(j % CORPUS.technicians);
export const jobClient = (j) => j % CORPUS.clients;
export const jobProperty = (j) => jobClient(j) * CORPUS.propertiesPerClient + (Math.floor(j / CORPUS.clients) % CORPUS.propertiesPerClient);

/** Clients, properties and jobs the notes attach to (ingested before the notes). */
export function baseRecords() {
  const clients = [];
  const properties = [];
  const jobs = [];
  for (let c = 0; c < CORPUS.clients; c++) {
    clients.push({ id: clientId(c), name: `Client ${c} ${VOCABULARY[200 + c]} Holdings`, email: `ops${c}@client${c}.example` });
    for (let k = 0; k < CORPUS.propertiesPerClient; k++) {
      const p = c * CORPUS.propertiesPerClient + k;
      properties.push({
        id: propertyId(p),
        clientId: clientId(c),
        address: `${100 + p} ${VOCABULARY[600 + p]} Street`,
        label: `Site ${k + 1}`,
      });
    }
  }
  const statuses = ["scheduled", "in_progress", "completed", "cancelled"];
  for (let j = 0; j < CORPUS.jobs; j++) {
    const next = rng(0x10b5 + j);
    jobs.push({
      id: jobId(j),
      clientId: clientId(jobClient(j)),
      propertyId: propertyId(jobProperty(j)),
      title: `${["Annual maintenance", "No heat", "No cooling", "Leak", "Noise complaint", "Inspection"][j % 6]} ${HEAD[20 + (j % 60)]}`,
      description: `Service call ${j}: ${TEMPLATES[j % TEMPLATES.length](() => zipfDomainWord(next), next)}`,
      status: statuses[j % 4],
      priority: ["low", "normal", "high", "urgent"][j % 4],
      scheduledStart: new Date(CORPUS.baseTime + j * 3_600_000).toISOString(),
      assignees: [jobTechnician(j)],
    });
  }
  return { clients, properties, jobs };
}

/** The serial number carried by note i, if any (unique to that note). */
export const noteSerial = (i) => (i % 10 === 3 ? `sn${pad(i, 7)}` : null);

/** Note i: the same object on every call, in Node and in the worker. */
export function note(i) {
  const next = rng(0x9e3779b1 ^ Math.imul(i + 1, 0x85ebca6b));
  const w = () => zipfDomainWord(next);
  const sentences = [];
  const templated = 1 + Math.floor(next() * 4);
  for (let k = 0; k < templated; k++) sentences.push(TEMPLATES[Math.floor(next() * TEMPLATES.length)](w, next));
  const tail = [];
  const tailLength = 4 + Math.floor(next() * 7);
  for (let k = 0; k < tailLength; k++) tail.push(zipfWord(next));
  sentences.push(`${tail.join(" ")}.`);
  const serial = noteSerial(i);
  if (serial) sentences.push(`Serial ${serial.toUpperCase()}.`);
  const body = sentences.join(" ");
  const author = technicianSubject(Math.floor(next() * CORPUS.technicians));
  const createdAt = new Date(CORPUS.baseTime + i * 60_000).toISOString();
  const roll = next();
  if (roll < CORPUS.sideNoteShare)
    return { id: noteId(i), body, clientId: clientId(Math.floor(next() * CORPUS.clients)), authorId: author, createdAt };
  if (roll < 2 * CORPUS.sideNoteShare) {
    const p = Math.floor(next() * CORPUS.clients * CORPUS.propertiesPerClient);
    return { id: noteId(i), body, propertyId: propertyId(p), authorId: author, createdAt };
  }
  return { id: noteId(i), body, jobId: jobId(Math.floor(next() * CORPUS.jobs)), authorId: author, createdAt };
}

/** Notes from..from+count-1. */
export function notes(from, count) {
  const out = new Array(count);
  for (let k = 0; k < count; k++) out[k] = note(from + k);
  return out;
}

/** A word at a given Zipf rank (for picking query terms of known frequency). */
export const wordAtRank = (rank) => VOCABULARY[rank];

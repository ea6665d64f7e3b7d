import { demoTenantDocuments } from "../../../scripts/demo-library.mjs";
import type { ProviderDraft } from "../../../durable-objects/tenant/copilot/provider";
import type { EvidenceRecord } from "../../../durable-objects/tenant/copilot/retrieval";
import { visibleRefs, type DemoTenant, type DemoTenantId } from "../../helpers/demo";
import { HELD_OUT_ANSWERABLE, HELD_OUT_HIDDEN, HELD_OUT_UNANSWERABLE, type HeldOutCase, type HeldOutClass } from "./held-out";

/** Scoring of the quality suite's answers (test/copilot/quality.test.ts): what it asked, what came back. */
export interface Asked {
  tenant: DemoTenantId;
  question: string;
  as?: string;
  jobId?: string;
}

export interface Outcome {
  draft: ProviderDraft;
  evidence: EvidenceRecord[];
  cited: string[];
}

export type Lookup = (c: Asked) => Outcome;

export const CLASSES: HeldOutClass[] = ["need", "wishes", "split", "data", "job"];

/** Every `kind:id` of a demo tenant, with the record's stored JSON. */
export function demoRecords(demo: DemoTenant): Map<string, string> {
  const { clients, properties, jobs, notes, events } = demo.data;
  const kinds = [
    ["client", clients],
    ["property", properties],
    ["job", jobs],
    ["note", notes],
    ["event", events],
  ] as const;
  return new Map(kinds.flatMap(([kind, list]) => list.map((r): [string, string] => [`${kind}:${r.id}`, JSON.stringify(r)])));
}

/** Held-out: answered, citing an `anyOf` ref and a ref of every `allOf` group, and stating every fact. */
export function heldOutRight(c: HeldOutCase, { draft, cited }: Outcome): boolean {
  const text = draft.text.toLowerCase();
  return (
    !draft.declined &&
    cited.some((ref) => c.anyOf.includes(ref)) &&
    (c.allOf ?? []).every((group) => group.some((ref) => cited.includes(ref))) &&
    c.facts.every((fact) => text.includes(fact.toLowerCase()))
  );
}

function verdict(c: HeldOutCase, o: Outcome): string {
  if (heldOutRight(c, o)) return "ok";
  if (o.draft.declined) return "MISSED (declined)";
  if (!o.cited.some((ref) => c.anyOf.includes(ref))) return "WRONG REF";
  if (!(c.allOf ?? []).every((group) => group.some((ref) => o.cited.includes(ref)))) return "HALF (one side)";
  return "FACT MISSING";
}

/** Every quote of the answer is a substring of the record it cites. */
export function verbatim({ draft, evidence }: Outcome): boolean {
  const byRef = new Map(evidence.map((e) => [e.ref, e.text]));
  return draft.claims.every((claim) => claim.quote !== undefined && (byRef.get(claim.ref) ?? "").includes(claim.quote));
}

/**
 * Whether a member of `tenant` who may read the records `visible` may read `ref`: one of those
 * records, a chunk of the shared library, or a chunk of the tenant's own documents.
 */
export function readableRef(tenant: DemoTenantId, visible: ReadonlySet<string>): (ref: string) => boolean {
  const own = new Set(demoTenantDocuments()[tenant].map((d) => d.id));
  return (ref) => visible.has(ref) || ref.startsWith("kb:") || (ref.startsWith("doc:") && own.has(ref.slice(4, ref.indexOf("#"))));
}

/** What a technician's question let through that they may not read: refs, or the hidden secret. */
export function leaks(c: Asked & { secret?: string }, { draft, evidence, cited }: Outcome, demo: DemoTenant): string[] {
  if (!c.as) return [];
  const readable = readableRef(c.tenant, visibleRefs(demo, c.as));
  const found = [...evidence.map((e) => e.ref), ...cited].filter((ref) => !readable(ref));
  const secret = c.secret;
  if (secret && [draft.text, ...evidence.map((e) => e.text + e.context)].some((t) => t.includes(secret))) found.push(secret);
  return found.map((what) => `${c.as}: ${what}`);
}

/** The held-out figures, one line each for the whole set, each class, the unanswerable and the hidden questions. */
export function heldOutReport(outcome: Lookup, demo: (tenant: DemoTenantId) => DemoTenant, showQuestions: boolean) {
  const declined = (c: Asked) => outcome(c).draft.declined;
  const share = (n: number, of: number) => (n / Math.max(1, of)).toFixed(3);
  const everything: (Asked & { secret?: string })[] = [...HELD_OUT_ANSWERABLE, ...HELD_OUT_UNANSWERABLE, ...HELD_OUT_HIDDEN];
  const right = (c: HeldOutCase) => heldOutRight(c, outcome(c));
  const answers = everything.filter((c) => !declined(c));
  const leaked = everything.flatMap((c) => leaks(c, outcome(c), demo(c.tenant)));
  const n = {
    answerable: HELD_OUT_ANSWERABLE.length,
    answered: HELD_OUT_ANSWERABLE.filter((c) => !declined(c)).length,
    right: HELD_OUT_ANSWERABLE.filter(right).length,
    unanswerable: HELD_OUT_UNANSWERABLE.length,
    declined: HELD_OUT_UNANSWERABLE.filter(declined).length,
    hiddenDeclined: HELD_OUT_HIDDEN.filter(declined).length,
  };
  const figures = {
    precision: n.right / Math.max(1, n.answered),
    recall: n.right / n.answerable,
    declined: n.declined / n.unanswerable,
    verbatim: answers.filter((c) => verbatim(outcome(c))).length / Math.max(1, answers.length),
  };
  const lines = [
    `held-out precision ${figures.precision.toFixed(3)}  recall ${figures.recall.toFixed(3)}  declined ${figures.declined.toFixed(3)}  ` +
      `verbatim ${figures.verbatim.toFixed(3)}  leaks ${leaked.length}  answerable ${n.answerable} (answered ${n.answered}, right ${n.right}), ` +
      `unanswerable ${n.unanswerable} (declined ${n.declined})`,
    ...CLASSES.map((cls) => {
      const cases = HELD_OUT_ANSWERABLE.filter((c) => c.class === cls);
      const answered = cases.filter((c) => !declined(c)).length;
      const ok = cases.filter(right).length;
      const missed = cases.flatMap((c, i) => (right(c) ? [] : [`#${i + 1}`])).join(" ") || "-";
      return `  ${cls.padEnd(7)} precision ${share(ok, answered)}  recall ${share(ok, cases.length)}  (${cases.length}: answered ${answered}, right ${ok}; missed ${missed})`;
    }),
    `  unanswerable declined ${share(n.declined, n.unanswerable)} (${n.declined} of ${n.unanswerable})`,
    `  hidden  declined ${n.hiddenDeclined} of ${HELD_OUT_HIDDEN.length}, the others answered from readable records; leaks ${leaked.length}`,
    ...leaked.map((what) => `  LEAK ${what}`),
  ];
  if (showQuestions) {
    const line = (label: string, c: Asked) => {
      const { draft, cited } = outcome(c);
      const answer = draft.declined ? "" : ` | ${draft.text.replace(/\s+/g, " ").slice(0, 220)}`;
      return `${label.padEnd(30)} ${c.tenant.slice(0, 4)} ${c.as ?? ""}${c.jobId ? ` ${c.jobId}` : ""} ${c.question} -> ${cited.join(", ") || "-"}${answer}`;
    };
    for (const cls of CLASSES)
      HELD_OUT_ANSWERABLE.filter((c) => c.class === cls).forEach((c, i) =>
        lines.push(line(`${verdict(c, outcome(c))} ${cls}#${i + 1}`, c)),
      );
    for (const c of HELD_OUT_UNANSWERABLE) lines.push(line(declined(c) ? "ok (declined) unanswerable" : "FALSE ANSWER unanswerable", c));
    for (const c of HELD_OUT_HIDDEN) lines.push(line(declined(c) ? "ok (declined) hidden" : "answered hidden", c));
  }
  return { figures, lines, leaked, answers };
}

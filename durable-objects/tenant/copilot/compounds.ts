import type { Passage } from "./passages";
import { hasTerm, stem, stemSequence } from "./text";

/**
 * Another thing of the same name (ranking.ts): a question that asks for "the alarm code" is not
 * answered by a passage that names another code ("gate code"). Tags ("rtu-2") and concepts are
 * never a compound's parts.
 */
const NO_TERMS: ReadonlySet<string> = new Set();
/** Nouns that records qualify with another noun ("gate code", "alarm code"; "line voltage", "coil voltage"). */
const COMPOUND_HEADS = new Set(
  ["code", "voltage", "pressure", "temperature", "key", "filter", "valve", "panel", "current", "reading"].map(stem),
);

/** Adjacent pairs of terms that name no place, ending in a COMPOUND_HEADS noun ("alarm code", "line voltage"). */
export function askedCompounds(terms: string[], isPlace: (term: string) => boolean): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < terms.length; i++) {
    const [m, h] = [terms[i] ?? "", terms[i + 1] ?? ""];
    if (
      COMPOUND_HEADS.has(h) &&
      !isPlace(m) &&
      !isPlace(h) &&
      !m.includes("-") &&
      !h.includes("-") &&
      !m.startsWith("#") &&
      !h.startsWith("#")
    )
      pairs.push([m, h]);
  }
  return pairs;
}

/**
 * Heads a passage names as another thing: it says "gate code" where the question asks for the
 * "alarm code" (another word right before the head, and the question's modifier nowhere in the
 * passage or its context). Such a head is no support: a gate code is not the alarm code asked for.
 */
export function namesAnotherThing(p: Passage, compounds: [string, string][]): ReadonlySet<string> {
  if (compounds.length === 0) return NO_TERMS;
  const out = new Set<string>();
  let sequence: (string | null)[] | null = null;
  for (const [m, h] of compounds) {
    if (!hasTerm(p.own, h) || hasTerm(p.own, m) || hasTerm(p.subject, m) || hasTerm(p.place, m)) continue;
    sequence ??= stemSequence(p.text);
    for (let i = 1; i < sequence.length; i++) {
      const before = sequence[i - 1];
      if (sequence[i] === h && before !== null && before !== undefined && before !== m && before.length >= 3) out.add(h);
    }
  }
  return out;
}

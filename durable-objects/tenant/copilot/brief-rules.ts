import type { BriefSectionKey } from "../../../schemas/brief";

/**
 * Which sentences of a record belong in which section of a brief: fixed word cues, checked on
 * each sentence (lower-cased). Deterministic and explainable: a technician who wonders why a
 * sentence is under "Safety" finds the word here. A sentence may meet the cues of several of
 * access, safety and preferences (a roof ladder with a padlock code is both a way in and a
 * hazard) and then appears in each; follow-ups and earlier findings take what is left.
 */
type CueSection = Exclude<BriefSectionKey, "job" | "manuals">;

export const CUES: Record<CueSection, RegExp> = {
  access:
    /\b(?:gate|lock ?box|key ?safe|keypad|key|keys|(?<!error |fault |alarm )codes?|alarm panel|padlock(?:ed)?|entrance|entry|back door|side door|access|buzzer|intercom|park(?:ing)?|badge|sign in|check in at)\b/,
  safety:
    /\b(?:dogs?|roof|ladders?|confined|crawl ?space|attic|hazard\w*|asbestos|danger\w*|caution|warning|lock-?out\/tag-?out|loto|ppe|harness|fall protection|carbon monoxide|gas smell|smell of gas|live (?:wires?|circuits?)|high voltage|arc flash|slippery|icy|aggressive|chemicals?|mold|sharps|needles?|steep)\b/,
  preferences:
    /\b(?:prefers?|preference|preferred|call (?:ahead|first|before)|never call|text messages?|whatsapp|e-?mail|invoices?|billing|bill to|net-?\d+|purchase order|payments?|pays|terms|service agreement|appointments?|speaks)\b/,
  followUps:
    /\b(?:follow-?up|ordered|on order|back-?order\w*|return visit|come back|next visit|recheck|re-check|revisit|recommend\w*|to do|needs? to|schedule (?:a|the)|awaiting|waiting for|pending|bring|eta)\b/,
  history:
    /\b(?:found|replaced|repaired|installed|cleaned|adjusted|reset|tightened|flushed|weighed|pulled|tested|measured|checked|diagnosed|pitted|burnt|burned|cracked|leak\w*|fault\w*|failed|worn|corro\w*|tripp\w*|not running|drops?|draws?|error|superheat|subcooling|psig|replacement|repair)\b/,
};

export function meets(section: CueSection, sentence: string): boolean {
  return CUES[section].test(sentence.toLowerCase());
}

/** Per-section bounds on sentences (the job section is a fixed set). */
export const SECTION_LIMITS: Record<CueSection, number> = {
  access: 6,
  history: 16,
  followUps: 8,
  safety: 6,
  preferences: 6,
};

/** Sentences quoted from one earlier visit (besides the line naming the visit). */
export const FINDINGS_PER_VISIT = 3;
/** Equipment tags identified in the job section. */
export const EQUIPMENT_LINES = 3;
/** The longest quote: a longer sentence is quoted up to its last word within this many characters. */
export const MAX_QUOTE_CHARS = 300;

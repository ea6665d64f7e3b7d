/**
 * What kind of value a piece of text states, told by its form: a date, a time of day, an amount
 * of money, a measured reading. A question's answer type ("when", "how much", "what did it read")
 * is matched to these (lexicon.ts), because the record that answers "when is the actuator due?"
 * says `"eta":"2026-11-21"`, not "due".
 *
 * Markers start with `@`, which no word of a text can (words are letters, digits and marks), so
 * they never meet a stem.
 */
export const VALUE_MARKERS = {
  date: "@date",
  time: "@time",
  money: "@money",
  reading: "@reading",
  size: "@size",
} as const;

const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*";
const PATTERNS: [RegExp, string][] = [
  // 2026-11-21, 21/11/2026, 21 November, Nov 1, "before 15 January", "renews April".
  [
    new RegExp(
      `\\b\\d{4}-\\d{2}(?:-\\d{2})?\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b|\\b\\d{1,2}\\s+${MONTH}\\b|\\b${MONTH}\\s+\\d{1,2}\\b|\\b(?:renews|until|by|before|after|due|from)\\s+${MONTH}\\b`,
      "i",
    ),
    VALUE_MARKERS.date,
  ],
  // 07:30, 8 am, 5 pm, "in the morning", "after 17:00", "Tue/Thu", "the day before".
  [
    /\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b|\b(?:morning|afternoon|evening|overnight|weekdays?|weekends?)\b|\b(?:mon|tue|wed|thu|fri|sat|sun)\/(?:mon|tue|wed|thu|fri|sat|sun)\b|\bthe day before\b/i,
    VALUE_MARKERS.time,
  ],
  // $1,240, EUR 500, € 95, "amount":1108, 15% discount.
  [/[$€£]\s?\d|\b(?:USD|EUR|GBP)\s?\d|\d\s?(?:USD|EUR|GBP)\b|"amount"\s*:\s*\d|\b\d+\s?%\s+(?:parts\s+)?discount/i, VALUE_MARKERS.money],
  // A number with a unit of measure: 9 mV, 0.9 bar, 88°F, 26 ppm, 6.9 l/min, 447 microns, 98 A, "ph":10.4.
  [
    /\d\s*(?:°\s*[FC]|psig|psi|bar|mbar|kpa|m?V(?:AC|DC)?|A|amps?|µF|uF|ppm|l\/min|microns?|Ω|ohms?|in\.\s*w\.c\.|lb|oz|kg|°dH|VA)(?![\p{L}\p{N}])|"(?:ph|[a-z]+(?:Bar|F|C|V|Lpm|Voltage))"\s*:\s*-?\d/iu,
    VALUE_MARKERS.reading,
  ],
  // A size: 20x25x2, 1/2 in., 50-gal, 10-ton, 75 VA, 40 A.
  [
    /\b\d+(?:\.\d+)?\s?x\s?\d+(?:\.\d+)?(?:\s?x\s?\d+(?:\.\d+)?)?\b|\d\s?(?:in\.|inch|mm|cm|gal|ton|VA|kW|BTU|DN\d+)(?![\p{L}\p{N}])|\bDN\d{2,3}\b/iu,
    VALUE_MARKERS.size,
  ],
];

/** The value markers a text offers (none for text without a digit or a value word). */
export function valueMarkers(text: string): string[] {
  const out: string[] = [];
  for (const [pattern, marker] of PATTERNS) if (pattern.test(text)) out.push(marker);
  return out;
}

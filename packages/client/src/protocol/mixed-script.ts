/**
 * UTS #39 §5.2 "Moderately Restrictive" for one domain label (https://www.unicode.org/reports/tr39/#Restriction_Level_Detection):
 * a label passes when its characters share one script (after UTS #39's augmentation: Han with Hiragana and Katakana is
 * Japanese, Han with Hangul is Korean, Han with Bopomofo is Chinese), or when it is Latin plus one other Recommended
 * script that is neither Cyrillic nor Greek (those two have letters that look exactly like Latin ones: "pаypal" with a
 * Cyrillic а). Characters common to all scripts (digits, the hyphen) and inherited ones (combining marks) go with any.
 *
 * The script of each character comes from the JavaScript engine's own Unicode data (`\p{Script_Extensions=…}`, kept
 * current with every Node release), so there is no hand-copied character table to maintain and the client stays free
 * of dependencies; no maintained npm package implements the restriction levels (the confusables packages map
 * look-alikes, which is a different check). The one list written here is UTS #31's Recommended scripts (Table 7),
 * which the restriction level is defined over. Characters of other (Excluded, Limited Use) scripts count as one
 * script "Zzzz" that may not be mixed with Latin.
 */
const RECOMMENDED_SCRIPTS = [
  'Arab', 'Armn', 'Beng', 'Bopo', 'Cyrl', 'Deva', 'Ethi', 'Geor', 'Grek', 'Gujr', 'Guru', 'Hang', 'Hani', 'Hebr', 'Hira',
  'Kana', 'Khmr', 'Knda', 'Laoo', 'Latn', 'Mlym', 'Mymr', 'Orya', 'Sinh', 'Taml', 'Telu', 'Thaa', 'Thai', 'Tibt',
] as const;
const SCRIPT_NAMES: Record<string, string> = {
  Arab: 'Arabic', Armn: 'Armenian', Beng: 'Bengali', Bopo: 'Bopomofo', Cyrl: 'Cyrillic', Deva: 'Devanagari', Ethi: 'Ethiopic',
  Geor: 'Georgian', Grek: 'Greek', Gujr: 'Gujarati', Guru: 'Gurmukhi', Hang: 'Hangul', Hani: 'Han', Hebr: 'Hebrew',
  Hira: 'Hiragana', Kana: 'Katakana', Khmr: 'Khmer', Knda: 'Kannada', Laoo: 'Lao', Latn: 'Latin', Mlym: 'Malayalam',
  Mymr: 'Myanmar', Orya: 'Oriya', Sinh: 'Sinhala', Taml: 'Tamil', Telu: 'Telugu', Thaa: 'Thaana', Thai: 'Thai',
  Tibt: 'Tibetan', Zzzz: 'a script not recommended for identifiers',
};
const SCRIPT_TESTS = RECOMMENDED_SCRIPTS.map((script) => [script, new RegExp(`^\\p{scx=${script}}$`, 'u')] as const);
const ANY_SCRIPT = /^[\p{scx=Zyyy}\p{scx=Zinh}]$/u;
/** UTS #39 §5.1's augmented script sets: Jpan (Han+Hiragana+Katakana), Kore (Han+Hangul), Hanb (Han+Bopomofo). */
const AUGMENTED: Record<string, string[]> = { Hani: ['Hanb', 'Jpan', 'Kore'], Hira: ['Jpan'], Kana: ['Jpan'], Hang: ['Kore'], Bopo: ['Hanb'] };
const LOOK_LIKE_LATIN = new Set(['Cyrl', 'Grek', 'Zzzz']);

/** The augmented Script_Extensions of a character; undefined for Common and Inherited ones (they go with any script). */
function scriptsOf(char: string): Set<string> | undefined {
  if (ANY_SCRIPT.test(char)) return undefined;
  const scripts = new Set<string>();
  for (const [script, test] of SCRIPT_TESTS) {
    if (!test.test(char)) continue;
    scripts.add(script);
    for (const augmented of AUGMENTED[script] ?? []) scripts.add(augmented);
  }
  return scripts.size > 0 ? scripts : new Set(['Zzzz']);
}

function intersect(sets: Set<string>[]): Set<string> {
  const [first, ...rest] = sets;
  if (!first) return new Set(['Zyyy']);
  return new Set([...first].filter((script) => rest.every((set) => set.has(script))));
}

/**
 * Undefined when the Unicode label meets "Moderately Restrictive"; else the names of the scripts it mixes
 * (e.g. ['Latin', 'Cyrillic']) for the refusal message.
 */
export function mixedScripts(label: string): string[] | undefined {
  const sets = [...label].map(scriptsOf).filter((set): set is Set<string> => set !== undefined);
  if (intersect(sets).size > 0) return undefined;
  const nonLatin = sets.filter((set) => !set.has('Latn'));
  if ([...intersect(nonLatin)].some((script) => !LOOK_LIKE_LATIN.has(script))) return undefined;
  const names: string[] = [];
  for (const set of sets) {
    const first = [...set].find((script) => SCRIPT_NAMES[script]);
    const name = SCRIPT_NAMES[first ?? 'Zzzz']!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

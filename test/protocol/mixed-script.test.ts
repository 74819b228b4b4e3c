import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayDomain, normalizeDomain, ProtocolError } from '../../packages/client/src/protocol/index.js';
import { mixedScripts } from '../../packages/client/src/protocol/mixed-script.js';

// Cases follow UTS #39 §5.2's definitions (https://www.unicode.org/reports/tr39/#Restriction_Level_Detection): the
// "Highly Restrictive" combinations (Latin+Han+Hiragana+Katakana, Latin+Han+Bopomofo, Latin+Han+Hangul) and
// "Latin + one other Recommended script except Cyrillic and Greek" pass; everything else mixing scripts does not.
const PASSES: Array<[string, string]> = [
  ['paypal', 'ASCII Latin'],
  ['bücher', 'Latin with a diacritic'],
  ['пример', 'Cyrillic alone'],
  ['παράδειγμα', 'Greek alone'],
  ['例え', 'Han + Hiragana (Japanese)'],
  ['東京タワー', 'Han + Katakana + the prolonged sound mark (Common to both kana)'],
  ['sonyストア', 'Latin + Katakana (highly restrictive)'],
  ['한국abc', 'Latin + Hangul (highly restrictive)'],
  ['中文abc', 'Latin + Han'],
  ['abcनमस्ते', 'Latin + Devanagari (moderately restrictive)'],
  ['ελλάδα2024', 'Greek with digits (Common)'],
  ['shop-24', 'digits and hyphen are Common'],
];
const REFUSED: Array<[string, string, string[]]> = [
  ['pаypal', 'a Cyrillic а among Latin letters', ['Latin', 'Cyrillic']],
  ['paypaі', 'a Cyrillic і (U+0456) at the end', ['Latin', 'Cyrillic']],
  ['gοogle', 'a Greek omicron among Latin letters', ['Latin', 'Greek']],
  ['пδ', 'Cyrillic + Greek', ['Cyrillic', 'Greek']],
  ['abcनमस्तेதமிழ்', 'Latin + Devanagari + Tamil: two scripts besides Latin', ['Latin', 'Devanagari', 'Tamil']],
  ['العربيةпривет', 'Arabic + Cyrillic', ['Arabic', 'Cyrillic']],
  ['ᚠᚢabc', 'Latin + Runic (not a Recommended script)', ['a script not recommended for identifiers', 'Latin']],
];

describe('mixed-script labels (UTS #39 moderately restrictive)', () => {
  for (const [label, what] of PASSES) {
    it(`passes ${label} (${what})`, () => assert.equal(mixedScripts(label), undefined));
  }
  for (const [label, what, scripts] of REFUSED) {
    it(`refuses ${label} (${what})`, () => assert.deepEqual(mixedScripts(label)?.sort(), [...scripts].sort()));
  }

  it('normalizeDomain refuses a mixed-script name naming the label in both forms and the rule', () => {
    assert.throws(
      () => normalizeDomain('pаypal.com'),
      (error: unknown) =>
        error instanceof ProtocolError &&
        error.message ===
          'domain: label "pаypal" (xn--pypal-4ve) mixes Latin and Cyrillic characters; a label may be in one script, or ' +
            'Latin with one other script except Cyrillic and Greek (UTS #39 moderately restrictive)',
    );
    // The same name given as its A-label is refused the same way.
    assert.throws(() => normalizeDomain('xn--pypal-4ve.com'), /mixes Latin and Cyrillic/);
  });

  it('normalizeDomain accepts it with allowMixedScript, and single-script IDNs always', () => {
    assert.equal(normalizeDomain('pаypal.com', { allowMixedScript: true }), 'xn--pypal-4ve.com');
    assert.equal(normalizeDomain('пример.рф'), 'xn--e1afmkfd.xn--p1ai');
    assert.equal(normalizeDomain('bücher.example.com'), 'xn--bcher-kva.example.com');
  });

  it('displayDomain gives the Unicode form next to the punycode one', () => {
    assert.deepEqual(displayDomain('xn--bcher-kva.example.com'), { unicode: 'bücher.example.com', ascii: 'xn--bcher-kva.example.com' });
    assert.deepEqual(displayDomain('xn--e1afmkfd.xn--p1ai'), { unicode: 'пример.рф', ascii: 'xn--e1afmkfd.xn--p1ai' });
    assert.deepEqual(displayDomain('chat.example.com'), { unicode: 'chat.example.com', ascii: 'chat.example.com' });
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { denyListDetector, redactFindings, regexDetector } from './index.ts';

const spans = (text: string, findings: { start: number; end: number }[]) =>
  findings.map((f) => text.slice(f.start, f.end));

describe('denyListDetector', () => {
  const deny = denyListDetector({ words: ['Proyecto Águila', 'acme', 'Straße'] });

  test('matches ignoring case and accents, and reports the original spelling', () => {
    const text = 'El PROYECTO AGUILA, el proyecto águila y el Proyecto Águila de ACME.';
    assert.deepEqual(spans(text, deny.scan(text)), [
      'PROYECTO AGUILA',
      'proyecto águila',
      'Proyecto Águila',
      'ACME',
    ]);
    assert.equal(
      redactFindings(text, deny.scan(text)),
      'El [REDACTED], el [REDACTED] y el [REDACTED] de [REDACTED].',
    );
  });

  test('matches accents written as combining marks, and any whitespace inside a phrase', () => {
    const decomposed = 'proyecto a\u0301guila';
    assert.deepEqual(spans(decomposed, deny.scan(decomposed)), [decomposed]);
    const spaced = 'Proyecto\n  Águila';
    assert.deepEqual(spans(spaced, deny.scan(spaced)), [spaced]);
  });

  test('respects word boundaries, in any script', () => {
    assert.deepEqual(deny.scan('acmes acmeé acme_corp reacme'), []);
    assert.deepEqual(spans('(acme)', deny.scan('(acme)')), ['acme']);
    assert.deepEqual(spans('Die STRASSE und die Straße', deny.scan('Die STRASSE und die Straße')), [
      'Straße',
    ]);
  });

  test('offsets stay right after emoji and other astral characters', () => {
    const text = '😀🎉 acme 😀';
    assert.deepEqual(spans(text, deny.scan(text)), ['acme']);
  });

  test('offsets stay right in other scripts, after characters that fold to several (Hangul)', () => {
    const words = denyListDetector({ words: ['Москва', 'acme'] });
    const text = '한국어 텍스트 МОСКВА и acme';
    assert.deepEqual(spans(text, words.scan(text)), ['МОСКВА', 'acme']);
  });

  test('refuses an empty list and bounds its matches', () => {
    assert.throws(() => denyListDetector({ words: ['  '] }), /at least one/);
    assert.ok(deny.maxMatchLength >= 'proyecto aguila'.length * 2);
  });
});

describe('regexDetector', () => {
  const detector = regexDetector({
    patterns: [
      { name: 'ticket', pattern: 'TCK-\\d{6}' },
      { name: 'project', pattern: 'proyecto [a-z]+' },
      { name: 'line start', pattern: '^secret', flags: 'm' },
    ],
  });

  test('matches case- and accent-insensitively, naming each finding regex:<name>', () => {
    const text = 'See tck-123456, PROYECTO ÁGUILA and\nSecret plans';
    const findings = detector.scan(text);
    assert.deepEqual(
      findings.map((f) => f.entity),
      ['regex:ticket', 'regex:project', 'regex:line start'],
    );
    assert.deepEqual(spans(text, findings), ['tck-123456', 'PROYECTO ÁGUILA', 'Secret']);
    assert.equal(redactFindings(text, findings), 'See [TICKET], [PROJECT] and\n[LINE_START] plans');
  });

  test('accents in the pattern match text without them', () => {
    const cafe = regexDetector({ patterns: [{ name: 'cafe', pattern: 'café \\d+' }] });
    assert.deepEqual(spans('CAFE 12 and Café 3', cafe.scan('CAFE 12 and Café 3')), ['CAFE 12', 'Café 3']);
  });

  test('an invalid pattern is refused with its name', () => {
    assert.throws(() => regexDetector({ patterns: [{ name: 'broken', pattern: '(' }] }), /regex "broken"/);
  });

  test('overlapping matches of two patterns are reported once', () => {
    const both = regexDetector({
      patterns: [
        { name: 'a', pattern: 'abc' },
        { name: 'b', pattern: 'bcd' },
      ],
    });
    assert.deepEqual(
      both.scan('abcd').map((f) => f.entity),
      ['regex:a'],
    );
  });

  test('a pattern that can match the empty string finds nothing empty', () => {
    const empty = regexDetector({ patterns: [{ name: 'maybe', pattern: 'x*' }] });
    assert.deepEqual(spans('axxb', empty.scan('axxb')), ['xx']);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Detector,
  denyListDetector,
  type Finding,
  piiDetector,
  placeholder,
  redactFindings,
  secretsDetector,
} from './index.ts';

describe('placeholder', () => {
  test('names each entity by kind', () => {
    assert.equal(placeholder('email'), '[EMAIL]');
    assert.equal(placeholder('card'), '[CARD]');
    assert.equal(placeholder('phone'), '[PHONE]');
    assert.equal(placeholder('ip'), '[IP]');
    assert.equal(placeholder('ssn'), '[NATIONAL_ID]');
    assert.equal(placeholder('es_dni'), '[NATIONAL_ID]');
    assert.equal(placeholder('openai_key'), '[SECRET]');
    assert.equal(placeholder('private_key'), '[SECRET]');
    assert.equal(placeholder('deny_list'), '[REDACTED]');
    assert.equal(placeholder('regex:employee id'), '[EMPLOYEE_ID]');
  });
});

describe('redactFindings', () => {
  const f = (entity: string, start: number, end: number): Finding => ({ entity, start, end });

  test('replaces each finding, in any order given', () => {
    const text = 'mail a@b.co or call 555';
    assert.equal(
      redactFindings(text, [f('phone', 20, 23), f('email', 5, 11)]),
      'mail [EMAIL] or call [PHONE]',
    );
  });

  test('merges overlapping findings into one placeholder, named after the first', () => {
    const text = 'abcdefghij';
    assert.equal(redactFindings(text, [f('email', 2, 6), f('card', 4, 8), f('ip', 7, 9)]), 'ab[EMAIL]j');
    assert.equal(redactFindings(text, [f('card', 2, 8), f('email', 3, 5)]), 'ab[CARD]ij');
  });

  test('keeps adjacent findings apart, and text without findings as it is', () => {
    assert.equal(redactFindings('abcd', [f('email', 0, 2), f('phone', 2, 4)]), '[EMAIL][PHONE]');
    assert.equal(redactFindings('same', []), 'same');
  });

  test('takes another naming for other vocabularies (the request log)', () => {
    assert.equal(
      redactFindings('x 4111', [f('card', 2, 6)], (e) => `[REDACTED:${e.toUpperCase()}]`),
      'x [REDACTED:CARD]',
    );
  });

  test('does not modify the findings it is given', () => {
    const findings = [f('email', 0, 3), f('card', 2, 5)];
    redactFindings('abcdef', findings);
    assert.deepEqual(findings, [f('email', 0, 3), f('card', 2, 5)]);
  });
});

/**
 * A minimal stream redactor built only on the Detector contract: text is released once it is more
 * than maxMatchLength characters behind the end, except where a finding is still open.
 */
function redactStream(detector: Detector, chunks: string[]): string {
  let held = '';
  let out = '';
  for (const chunk of chunks) {
    held += chunk;
    let safe = Math.max(0, held.length - detector.maxMatchLength);
    const findings = detector.scan(held);
    for (const finding of findings) if (finding.start < safe && finding.end > safe) safe = finding.start;
    const released = findings.filter((finding) => finding.end <= safe);
    out += redactFindings(held.slice(0, safe), released);
    held = held.slice(safe);
  }
  return out + redactFindings(held, detector.scan(held));
}

describe('maxMatchLength', () => {
  const text = [
    'Hi, I am Ada (ada.lovelace@example.com, +44 20 7946 0958). Refund card 4111 1111 1111 1111 to',
    'IBAN GB82 WEST 1234 5698 7654 32; ship to 221B Baker Street, London NW1 6XE.',
    'Key sk-proj-Q2x9T7vLm3Kp8Zr4Wn6Yb1Hc5Jd0FsAe and postgres://app:s3cret-pw@db:5432/x.',
    'Proyecto Águila is confidential.',
  ].join(' ');

  test('holding back that many characters catches every match split across stream chunks', () => {
    for (const detector of [
      piiDetector(),
      secretsDetector(),
      denyListDetector({ words: ['proyecto águila'] }),
    ]) {
      const whole = redactFindings(text, detector.scan(text));
      assert.notEqual(whole, text);
      for (const size of [1, 2, 3, 5, 7, 16, 64]) {
        const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
        assert.equal(redactStream(detector, chunks), whole, `${detector.type}, chunks of ${size}`);
      }
    }
  });
});

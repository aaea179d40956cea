import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { piiDetector, piiEntities, redactFindings } from './index.ts';

const pii = piiDetector();
const entitiesOf = (text: string) => pii.scan(text).map((f) => f.entity);
const matched = (text: string) => pii.scan(text).map((f) => text.slice(f.start, f.end));

/** Each entity, in the formats of several countries. */
const positives: Record<string, string[]> = {
  email: ['ada@example.com', 'maria.garcia+pedidos@correo.example.es', 'J.Dupont@firma.example.de'],
  phone: [
    '+1 (415) 555-2671',
    '415-555-2671',
    '+44 20 7946 0958',
    '020 7946 0958',
    '+33 6 12 34 56 78',
    '01 23 45 67 89',
    '+49 30 901820',
    '030 12345678',
    '+34 612 34 56 78',
    '612 345 678',
    '+81 3-1234-5678',
  ],
  card: [
    '4111 1111 1111 1111',
    '5500-0000-0000-0004',
    '378282246310005',
    '6011111111111117',
    '3782 822463 10005',
  ],
  iban: [
    'DE89370400440532013000',
    'GB82 WEST 1234 5698 7654 32',
    'FR1420041010050500013M02606',
    'ES9121000418450200051332',
  ],
  ssn: ['078-05-1120', '123-45-6789'],
  uk_nino: ['AB123456C', 'CE 12 34 56 D'],
  es_dni: ['12345678Z', 'X1234567L', 'Y0000000Z'],
  fr_nir: ['1 85 05 78 006 084 91', '255081416802538', '2 90 03 2A 123 456 94'],
  ip: ['192.168.1.20', '8.8.8.8', '2001:db8:85a3::8a2e:370:7334', 'fe80::1ff:fe23:4567:890a'],
  address: [
    '221B Baker Street, London NW1 6XE',
    '1600 Pennsylvania Avenue NW, Washington, DC 20500',
    '12 rue de la Paix, 75002 Paris',
    'Hauptstraße 5, 10115 Berlin',
    'Berliner Allee 12a, 40212 Düsseldorf',
    'Calle Mayor 5, 28013 Madrid',
  ],
};

/** Shapes that fail their check or are something else. */
const nearMisses: Record<string, string[]> = {
  email: ['user@localhost', 'ada at example dot com', 'a@b', '@handle'],
  phone: ['+1234567', '115-555-2671', '4155552671', '000 000 0000', '2024-10-21', '1.2.3'],
  card: [
    '4111 1111 1111 1112',
    '1000000000000008',
    '9000123456789016',
    '0.4111111111111111',
    '1732900000000',
  ],
  iban: ['GB82 WEST 1234 5698 7654 33', 'DE88370400440532013000', 'ISO 13616'],
  ssn: ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000'],
  uk_nino: ['QQ 12 34 56 C', 'DA123456A', 'GB123456A'],
  es_dni: ['12345678A', 'X1234567A'],
  fr_nir: ['1 85 05 78 006 084 92', '185057800608490'],
  ip: ['999.1.1.1', '1.2.3', '1.2.3.4.5', 'std::vector', 'a::b', '12:30:45', '010.1.1.1'],
  address: ['Main Street', 'Chapter 5 covers Main Street economics', 'the rue is long'],
};

describe('piiDetector', () => {
  for (const [entity, samples] of Object.entries(positives)) {
    test(`finds ${entity}, whole, in a sentence`, () => {
      for (const sample of samples) {
        for (const text of [sample, `Note: ${sample} - thanks`, `line\n${sample}\nline`]) {
          assert.deepEqual(entitiesOf(text), [entity], text);
          assert.deepEqual(matched(text), [sample], text);
        }
      }
    });
  }

  for (const [entity, samples] of Object.entries(nearMisses)) {
    test(`leaves look-alikes of ${entity} alone`, () => {
      for (const text of samples) assert.deepEqual(pii.scan(`ref ${text} end`), [], text);
    });
  }

  test('checks the checksum, not only the shape', () => {
    // The same shapes, one check digit apart.
    assert.deepEqual(entitiesOf('4111111111111111'), ['card']);
    assert.deepEqual(entitiesOf('4111111111111112'), []);
    assert.deepEqual(entitiesOf('DE89370400440532013000'), ['iban']);
    assert.deepEqual(entitiesOf('DE89370400440532013001'), []);
    assert.deepEqual(entitiesOf('12345678Z'), ['es_dni']);
    assert.deepEqual(entitiesOf('12345678Y'), []);
  });

  test('reports each finding with its span, in order, in a mixed paragraph', () => {
    const text =
      'Ada (ada@example.com, +44 20 7946 0958) paid with 4111-1111-1111-1111 from 10.0.0.1; ' +
      'IBAN DE89370400440532013000, SSN 078-05-1120. Order 123456 of 2024-10-21, v1.2.3.';
    const findings = pii.scan(text);
    assert.deepEqual(
      findings.map((f) => f.entity),
      ['email', 'phone', 'card', 'ip', 'iban', 'ssn'],
    );
    for (let i = 1; i < findings.length; i++) assert.ok(findings[i]!.start >= findings[i - 1]!.end);
    assert.equal(
      redactFindings(text, findings),
      'Ada ([EMAIL], [PHONE]) paid with [CARD] from [IP]; IBAN [IBAN], SSN [NATIONAL_ID]. Order 123456 of 2024-10-21, v1.2.3.',
    );
  });

  test('finds a card among neighbouring numbers and after JSON escapes', () => {
    assert.deepEqual(matched('qty 2 4111 1111 1111 1111 12 25'), ['4111 1111 1111 1111']);
    const json = JSON.stringify({ note: 'line\n415-555-2671\nada@example.com' });
    assert.deepEqual(entitiesOf(json), ['phone', 'email']);
  });

  test('an address swallows the postcode and house number inside it', () => {
    assert.deepEqual(entitiesOf('Send it to 350 Fifth Avenue, New York, NY 10118 today'), ['address']);
  });

  test('four dotted numbers after "version" or "v" are a version, not an IP address', () => {
    assert.deepEqual(entitiesOf('Version 2.10.4.1 of the driver'), []);
    assert.deepEqual(entitiesOf('upgrade to v1.2.3.4 now'), []);
    assert.deepEqual(entitiesOf('the dev 10.0.0.1 box'), ['ip']);
  });

  test('a connection string password before @ is not an email', () => {
    assert.deepEqual(entitiesOf('redis://:s3cretPw@cache.internal:6379'), []);
    assert.deepEqual(entitiesOf('mailto:ada@example.com'), ['email']);
  });

  test('the entity list limits what is looked for, and unknown names are refused', () => {
    const emailsOnly = piiDetector({ entities: ['email'] });
    assert.deepEqual(
      emailsOnly.scan('ada@example.com 4111 1111 1111 1111').map((f) => f.entity),
      ['email'],
    );
    const addressesOnly = piiDetector({ entities: ['address'] });
    assert.deepEqual(
      addressesOnly.scan('ada@example.com, 12 rue de la Paix, 75002 Paris').map((f) => f.entity),
      ['address'],
    );
    assert.throws(() => piiDetector({ entities: ['email', 'passport'] }), /unknown pii entity: passport/);
    assert.deepEqual([...piiEntities].sort(), Object.keys(positives).sort());
  });

  test('an email longer than RFC 5321 allows is not one, so no finding outgrows maxMatchLength', () => {
    assert.deepEqual(pii.scan(`${'a'.repeat(300)}@example.com`), []);
    assert.equal(piiDetector({ entities: ['email', 'card'] }).maxMatchLength, 254);
    assert.equal(piiDetector({ entities: ['address', 'card'] }).maxMatchLength, 200);
    assert.equal(piiDetector({ entities: ['card', 'phone', 'iban'] }).maxMatchLength, 64);
  });

  test('the longest address the patterns allow fits in maxMatchLength', () => {
    const w = 'abcdefghijklmnopqrst'; // 20 letters
    const W = `A${w.slice(1)}`;
    const longest = `12345A bis, boulevard ${w} ${w} ${w} ${w} ${W}, ${W} ${W}, XY 12345-6789`;
    const addresses = piiDetector({ entities: ['address'] });
    const [finding] = addresses.scan(`x ${longest} y`);
    assert.ok(finding);
    assert.ok(finding.end - finding.start <= addresses.maxMatchLength, String(finding.end - finding.start));
  });

  test('no finding is longer than maxMatchLength', () => {
    for (const samples of Object.values(positives)) {
      for (const sample of samples)
        for (const f of pii.scan(sample)) assert.ok(f.end - f.start <= pii.maxMatchLength, sample);
    }
  });

  test('finishes on 200 KB of hostile text', () => {
    const fill = (unit: string) => unit.repeat(Math.ceil(200_000 / unit.length)).slice(0, 200_000);
    for (const unit of [
      'a',
      'a.',
      'a@',
      'x@b-',
      '1 ',
      '12-',
      '1.',
      '+1 ',
      'AB12 ',
      '(415) ',
      '1:',
      'a:',
      '12 Main ',
      'Calle A ',
    ]) {
      assert.ok(Array.isArray(pii.scan(fill(unit))), unit);
    }
  });
});

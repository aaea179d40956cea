import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findSensitive, type RedactedKind, redactJson, redactText } from './redact.ts';

/** `secret` is the part that must be replaced (the whole text when absent). */
interface Sample {
  text: string;
  secret?: string;
}

// Credential-shaped fixtures are assembled from pieces so secret scanners do not flag this file.
const random32 = 'Q2x9T7vLm3Kp8Zr4Wn6Yb1Hc5Jd0FsAe';
const jwt = [
  'eyJhbGciOiJIUzI1NiJ9',
  'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
].join('.');
const pem = [
  '-----BEGIN RSA ' + 'PRIVATE KEY-----',
  'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu',
  '-----END RSA ' + 'PRIVATE KEY-----',
].join('\n');

const positives: Record<RedactedKind, Sample[]> = {
  email: [
    { text: 'ada@example.com' },
    { text: 'ada.lovelace+llm@mail.example.co.uk' },
    { text: 'first_last@sub.domain.io' },
    { text: 'USER@EXAMPLE.ORG' },
  ],
  phone: [
    { text: '+14155552671' },
    { text: '+44 20 7946 0958' },
    { text: '(415) 555-2671' },
    { text: '415-555-2671' },
    { text: '+33 1 23 45 67 89' },
    { text: '+1 (415) 555-2671' },
    { text: '415.555.2671' },
    { text: '1-800-555-0199' },
    { text: '020 7946 0958' },
    { text: '01 23 45 67 89' },
  ],
  card: [
    { text: '4111 1111 1111 1111' },
    { text: '5500-0000-0000-0004' },
    { text: '378282246310005' },
    { text: '6011111111111117' },
    { text: '3782 822463 10005' },
    { text: '2223003122003222' },
  ],
  iban: [
    { text: 'GB82 WEST 1234 5698 7654 32' },
    { text: 'DE89370400440532013000' },
    { text: 'FR1420041010050500013M02606' },
    { text: 'NL91ABNA0417164300' },
    { text: 'BE68 5390 0754 7034' },
  ],
  national_id: [
    { text: '123-45-6789' },
    { text: '078-05-1120' },
    { text: 'AB123456C' },
    { text: 'CE 12 34 56 D' },
    { text: '12345678Z' },
    { text: 'X1234567L' },
    { text: '1 85 05 78 006 084 91' },
    { text: '255081416802538' },
    { text: '2 90 03 2A 123 456 94' },
  ],
  secret: [
    { text: 'sk-proj-' + random32 },
    { text: 'sk-ant-api03-' + random32 + '-AAAA' },
    { text: 'gh-' + random32 },
    { text: 'gh-master-' + random32 },
    { text: 'ghp_' + random32 + 'WXYZ' },
    { text: 'github_pat_' + random32 },
    { text: 'AKIA' + 'IOSFODNN7EXAMPLE' },
    { text: 'AIza' + random32 + 'abc' },
    { text: 'xox' + 'b-123456789012-' + random32 },
    { text: jwt },
    { text: pem },
    { text: 'Authorization: Bearer abc123def456ghi', secret: 'abc123def456ghi' },
    { text: 'Authorization: Basic dXNlcjpwYXNz', secret: 'dXNlcjpwYXNz' },
    { text: 'password=hunter2', secret: 'hunter2' },
    { text: '"api_key": "abc def 123"', secret: 'abc def 123' },
    { text: 'DB_PASSWORD: s3cr3t!', secret: 's3cr3t!' },
    { text: 'OPENAI_API_KEY=' + 'sk-proj-' + random32, secret: 'sk-proj-' + random32 },
  ],
};

const negatives: Record<RedactedKind, string[]> = {
  // Addresses without a dotted domain are not treated as email (mostly system accounts).
  email: ['user@localhost', '@handle', 'a@b', 'name@example', 'x@y.c', 'ada at example dot com'],
  phone: [
    '12345',
    '2024-10-21',
    '1.2.3',
    '1732900000000',
    '$1,234.56',
    '192.168.1.1',
    '115-555-2671', // North American area codes never start with 0 or 1
    '+1234567', // too short for E.164
    '4155552671', // documented limit: a bare digit run is indistinguishable from an id
  ],
  card: [
    '4111 1111 1111 1112', // fails Luhn
    '1000000000000008', // passes Luhn, no card issuer starts with 1
    '9000123456789016', // order number that passes Luhn
    '4111 1111 1111', // too short
    '1732900000000', // millisecond timestamp
    '12345678901234567890123', // longer than any card
    '0.4111111111111111', // a float whose fraction passes Luhn
  ],
  iban: [
    'GB82 WEST 1234 5698 7654 33',
    'DE88370400440532013000',
    'FR1420041010050500013M02607',
    'ISO 13616',
    'GB82WEST',
  ],
  national_id: [
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '123-00-4567',
    '123-45-0000',
    'QQ 12 34 56 C', // HMRC's placeholder prefix, never issued
    'DA123456A',
    'GB123456A',
    'AO123456A',
    '12345678A',
    'X1234567A',
    '1 85 05 78 006 084 92',
    '185057800608490',
  ],
  secret: [
    'sk-',
    'risk-free',
    'gh-pages',
    'gh-pages-deploy-workflow-for-docs',
    'task-1234567890abcdefghijk',
    'the password is strong',
    'bearer of bad news',
    'Basic usage',
    'AKIA1234',
  ],
};

const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
const contexts = [
  (s: string) => s,
  (s: string) => `Note: ${s} - thanks`,
  (s: string) => `line one\n${s}\nline two`,
];

describe('redactText', () => {
  for (const [kind, samples] of Object.entries(positives) as [RedactedKind, Sample[]][]) {
    test(`redacts ${kind}`, () => {
      assert.ok(samples.length >= 4);
      for (const { text, secret = text } of samples) {
        const expected = text.replace(secret, `[REDACTED:${kind.toUpperCase()}]`);
        for (const wrap of contexts) {
          const out = redactText(wrap(text));
          assert.equal(out, wrap(expected), `${kind}: ${text}`);
          assert.ok(!alphanumeric(out).includes(alphanumeric(secret)), `${text} survived in ${out}`);
        }
        assert.deepEqual(
          findSensitive(text).map((f) => f.kind),
          [kind],
          text,
        );
      }
    });
  }

  for (const [kind, samples] of Object.entries(negatives) as [RedactedKind, string[]][]) {
    test(`leaves look-alikes of ${kind} unchanged`, () => {
      assert.ok(samples.length >= 4);
      for (const text of samples) {
        for (const wrap of contexts) assert.equal(redactText(wrap(text)), wrap(text), `${kind}: ${text}`);
        assert.deepEqual(findSensitive(text), [], text);
      }
    });
  }

  test('redacts every finding in a mixed paragraph and keeps the rest', () => {
    const paragraph = [
      'Hi, I am Ada (ada@example.com, +44 20 7946 0958). Please refund card 4111-1111-1111-1111',
      'to IBAN DE89370400440532013000; my SSN is 078-05-1120. Order 123456 of 2024-10-21 used',
      '12345 tokens at $1,234.56 from 10.0.0.1, v1.2.3. Authorization: Bearer ' + 'gh-' + random32,
    ].join(' ');
    assert.equal(
      redactText(paragraph),
      [
        'Hi, I am Ada ([REDACTED:EMAIL], [REDACTED:PHONE]). Please refund card [REDACTED:CARD]',
        'to IBAN [REDACTED:IBAN]; my SSN is [REDACTED:NATIONAL_ID]. Order 123456 of 2024-10-21 used',
        '12345 tokens at $1,234.56 from 10.0.0.1, v1.2.3. Authorization: Bearer [REDACTED:SECRET]',
      ].join(' '),
    );
  });

  test('finds a card among neighbouring numbers', () => {
    assert.equal(redactText('qty 2 4111 1111 1111 1111 12 25'), 'qty 2 [REDACTED:CARD] 12 25');
  });

  test('finds entities right after JSON escapes in nested JSON text', () => {
    const args = JSON.stringify({ note: 'line\n415-555-2671\nada@example.com\t4111111111111111' });
    assert.equal(redactText(args), '{"note":"line\\n[REDACTED:PHONE]\\n[REDACTED:EMAIL]\\t[REDACTED:CARD]"}');
    assert.doesNotThrow(() => JSON.parse(redactText(args)));
  });

  test('reports spans in order', () => {
    const text = 'a ada@example.com b 415-555-2671';
    assert.deepEqual(findSensitive(text), [
      { kind: 'email', start: 2, end: 17 },
      { kind: 'phone', start: 20, end: 32 },
    ]);
  });

  test('finishes on ~200 KB of ordinary and adversarial text', () => {
    const paragraph = 'Contact ada@example.com or (415) 555-2671 about card 5500 0000 0000 0004. ';
    const body = paragraph.repeat(1500);
    assert.equal(findSensitive(body).length, 3 * 1500);
    // Shapes that make naive patterns backtrack: long runs with no terminator.
    const size = 200_000;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
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
      'eyJa',
      'sk-',
      '(415) ',
    ]) {
      const text = fill(unit);
      assert.equal(redactText(text), text, unit);
    }
    const pemStart = '-----BEGIN ' + 'PRIVATE KEY-----';
    assert.equal(redactText(fill(pemStart)), fill(pemStart));
    // A key block cut short is still a key: its first line of base64 goes, the scan still ends.
    assert.ok(redactText(pemStart + fill('A')).startsWith('[REDACTED:SECRET]AAAA'));
  });
});

describe('redactJson', () => {
  test('redacts every string of a chat request and keeps its shape', () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a support agent for ACME.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'My card is 4111 1111 1111 1111, write to ada@example.com' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_abc123',
              type: 'function',
              function: { name: 'lookup', arguments: '{"password": "hunter2", "phone": "+44 20 7946 0958"}' },
            },
          ],
        },
      ],
      max_tokens: 12345,
      temperature: 0.7,
      stream: true,
      user: 'ada@example.com',
      metadata: { api_key: 'anything-at-all', trace: '1732900000000' },
    };
    const before = structuredClone(body);
    assert.deepEqual(redactJson(body), {
      ...before,
      messages: [
        before.messages[0],
        {
          role: 'user',
          content: [
            { type: 'text', text: 'My card is [REDACTED:CARD], write to [REDACTED:EMAIL]' },
            before.messages[1]!.content![1],
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_abc123',
              type: 'function',
              function: {
                name: 'lookup',
                arguments: '{"password": "[REDACTED:SECRET]", "phone": "[REDACTED:PHONE]"}',
              },
            },
          ],
        },
      ],
      user: '[REDACTED:EMAIL]',
      metadata: { api_key: '[REDACTED:SECRET]', trace: '1732900000000' },
    });
    assert.deepEqual(body, before, 'the input is not modified');
  });

  test('leaves a response body with ids, fingerprints and floats unchanged', () => {
    const response = {
      id: 'chatcmpl-B9MHDbslfQmJw4gKs0Vf2Q6a1ZQ8f',
      object: 'chat.completion',
      created: 1741569952,
      model: 'gpt-4o-2024-08-06',
      system_fingerprint: 'fp_44709d6fcb',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Done.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12345, completion_tokens: 678, total_tokens: 13023 },
      embedding: [0.4111111111111111, -0.0023064255],
      scores: 'top: 0.4111111111111111, 0.5023; 1.2.3 at 10.0.0.1',
      anthropic_id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      request_id: '550e8400-e29b-41d4-a716-446655440000',
    };
    assert.deepEqual(redactJson(response), response);
  });

  test('caps depth instead of recursing without bound', () => {
    let deep: unknown = 'ada@example.com';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let node = redactJson(deep);
    let depth = 0;
    while (Array.isArray(node)) {
      node = node[0];
      depth++;
    }
    assert.equal(node, '[TRUNCATED]');
    assert.equal(depth, 64);

    let shallow: unknown = 'ada@example.com';
    for (let i = 0; i < 63; i++) shallow = { next: shallow };
    let copy = redactJson(shallow) as { next: unknown } | string;
    while (typeof copy === 'object') copy = copy.next as typeof copy;
    assert.equal(copy, '[REDACTED:EMAIL]');
  });

  test('keeps non-string values and unusual keys as they are', () => {
    const cyclic: Record<string, unknown> = { note: 'call 415-555-2671' };
    cyclic['self'] = cyclic;
    assert.deepEqual(redactJson(cyclic), { note: 'call [REDACTED:PHONE]', self: '[CIRCULAR]' });

    const parsed = JSON.parse('{"__proto__": {"x": "ada@example.com"}, "n": 1, "b": false, "z": null}');
    const copy = redactJson(parsed) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { x: '[REDACTED:EMAIL]' });
    assert.deepEqual([copy['n'], copy['b'], copy['z']], [1, false, null]);
    assert.equal(redactJson('ada@example.com'), '[REDACTED:EMAIL]');
    assert.equal(redactJson(42), 42);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactFindings, secretEntities, secretsDetector } from './index.ts';

const secrets = secretsDetector();
// Fake credentials, assembled from pieces so that secret scanners do not flag this file.
const random = 'Q2x9T7vLm3Kp8Zr4Wn6Yb1Hc5Jd0FsAeR7tY';
const b64line = 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu';
const pem = (kind: string, nl = '\n') =>
  [
    `-----BEGIN ${kind}PRIVATE KEY-----`,
    b64line,
    b64line.slice(0, 40),
    `-----END ${kind}PRIVATE KEY-----`,
  ].join(nl);
const jwt = [
  'eyJhbGciOiJIUzI1NiJ9',
  'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
].join('.');

/** [text, entity, the secret part (whole text when absent)] */
const positives: Array<[string, string, string?]> = [
  [`sk-proj-${random}`, 'openai_key'],
  [`sk-${random}`, 'openai_key'],
  [`sk-ant-api03-${random}-AA`, 'anthropic_key'],
  [`gh-${random}`, 'gatehouse_key'],
  [`AKIA${'IOSFODNN7EXAMPL2'}`, 'aws_access_key'],
  [`ASIA${'Q7X2M4N8P0R3T6V9'}`, 'aws_access_key'],
  [
    `aws_secret_access_key = ${'wJalrXUtnFEMI/K7MDENG/bPxRfiCY'}EXAMPLEKEY`,
    'aws_secret_key',
    `${'wJalrXUtnFEMI/K7MDENG/bPxRfiCY'}EXAMPLEKEY`,
  ],
  [`AIza${random.slice(0, 35)}`, 'gcp_api_key'],
  [`ghp_${random}`, 'github_token'],
  [`github_pat_${random}`, 'github_token'],
  [`glpat-${random.slice(0, 20)}`, 'gitlab_token'],
  [`xoxb-123456789012-${random}`, 'slack_token'],
  [`https://hooks.slack.com/services/T0123ABCD/B0123ABCDEF/${random.slice(0, 24)}`, 'slack_webhook'],
  [`sk_live_${random.slice(0, 24)}`, 'stripe_key'],
  [`rk_live_${random.slice(0, 24)}`, 'stripe_key'],
  [`hf_${'QxTvLmKpZrWnYbHcJdFsAeRtYuIoPaSdFg'}`, 'huggingface_token'],
  [`npm_${random.slice(0, 36)}`, 'npm_token'],
  [`SG.${random.slice(0, 22)}.${random}${random.slice(0, 7)}`, 'sendgrid_key'],
  [`gsk_${random}${random.slice(0, 16)}`, 'groq_key'],
  [`dapi${'0123456789abcdef'}${'fedcba9876543210'}`, 'databricks_token'],
  [`shpat_${random.slice(0, 32)}`, 'shopify_token'],
  [`glsa_${random.slice(0, 32)}_${'0a1b2c3d'}`, 'grafana_token'],
  [`hvs.${random}${random}${random}`, 'vault_token'],
  [`lin_api_${random}${random.slice(0, 4)}`, 'linear_key'],
  [`ntn_${'12345678901'}${random.slice(0, 35)}`, 'notion_token'],
  [`figd_${random}${random.slice(0, 8)}`, 'figma_token'],
  [pem('RSA '), 'private_key'],
  [pem('OPENSSH '), 'private_key'],
  [jwt, 'jwt'],
  ['postgres://app:s3cret-pw@db.internal:5432/app', 'connection_string', 's3cret-pw'],
  ['mongodb+srv://admin:Pa55word@cluster0.example.net/test', 'connection_string', 'Pa55word'],
  ['redis://:hunter2@cache:6379', 'connection_string', 'hunter2'],
  ['Authorization: Bearer abc123def456ghi', 'auth_header', 'abc123def456ghi'],
  ['Authorization: Basic dXNlcjpwYXNz', 'auth_header', 'dXNlcjpwYXNz'],
  ['password=hunter2', 'password', 'hunter2'],
  ['DB_PASSWORD: s3cr3t!', 'password', 's3cr3t!'],
  ['The admin password is "Tr0ub4dor&3" for now', 'password', 'Tr0ub4dor&3'],
  ['"client_secret": "abc def 123"', 'credential', 'abc def 123'],
];

const lookAlikes = [
  'sk-',
  'risk-free',
  'gh-pages-deploy-workflow-for-docs',
  'sk-learn-is-a-python-library',
  'task-1234567890abcdefghijk',
  'export OPENAI_API_KEY="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
  'Set OPENAI_API_KEY=sk-... in your .env file.',
  'api_key = "<your-api-key>"',
  'password: ${DB_PASSWORD}',
  'DATABASE_URL=postgres://app:${PGPASSWORD}@db:5432/app',
  'postgres://localhost:5432/app',
  'the password is strong',
  'Reset your password: click the link.',
  'bearer of bad news',
  'Basic usage',
  'AKIA1234',
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  '550e8400-e29b-41d4-a716-446655440000',
  'client_secret: REDACTED',
];

describe('secretsDetector', () => {
  test('finds each kind of credential, and only its secret part', () => {
    for (const [text, entity, secret = text] of positives) {
      for (const wrapped of [text, `see ${text} here`, `line\n${text}\nline`]) {
        const findings = secrets.scan(wrapped);
        assert.deepEqual(
          findings.map((f) => f.entity),
          [entity],
          wrapped,
        );
        assert.equal(wrapped.slice(findings[0]!.start, findings[0]!.end), secret, wrapped);
      }
    }
  });

  test('leaves look-alikes alone: placeholders, hashes, ids, prose', () => {
    for (const text of lookAlikes) assert.deepEqual(secrets.scan(text), [], text);
  });

  test('a known key assigned to a name or sent as a Bearer token is reported as that key', () => {
    assert.deepEqual(
      secrets.scan(`OPENAI_API_KEY=sk-proj-${random}`).map((f) => f.entity),
      ['openai_key'],
    );
    assert.deepEqual(
      secrets.scan(`curl -H "Authorization: Bearer ${jwt}"`).map((f) => f.entity),
      ['jwt'],
    );
  });

  test('an AWS secret key with no name is found next to its access key id, and only there', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE';
    const text = `AWS creds: AKIA${'Q7X2M4N8P0R3T6V9'} / ${secret}`;
    assert.deepEqual(
      secrets.scan(text).map((f) => [f.entity, text.slice(f.start, f.end)]),
      [
        ['aws_access_key', `AKIA${'Q7X2M4N8P0R3T6V9'}`],
        ['aws_secret_key', secret],
      ],
    );
    assert.deepEqual(secrets.scan(`checksum ${secret}`), []);
  });

  test('a private key inside JSON (a GCP service-account file) is found with its escaped newlines', () => {
    const key = pem('', '\\n');
    const json = `{"type": "service_account", "private_key": "${key}\\n", "client_email": "x@y.iam.gserviceaccount.com"}`;
    const findings = secrets.scan(json);
    assert.deepEqual(
      findings.map((f) => json.slice(f.start, f.end)),
      [key],
    );
  });

  test('a key block cut short is taken up to where its base64 ends, not the words after it', () => {
    const text = `key: -----BEGIN PRIVATE KEY-----\n${b64line}\nand then some words`;
    assert.equal(redactFindings(text, secrets.scan(text)), 'key: [SECRET]\nand then some words');
  });

  test('the entity list limits what is looked for, and unknown names are refused', () => {
    const onlyJwt = secretsDetector({ entities: ['jwt'] });
    assert.deepEqual(
      onlyJwt.scan(`${jwt} sk-proj-${random}`).map((f) => f.entity),
      ['jwt'],
    );
    assert.throws(() => secretsDetector({ entities: ['api_keys'] }), /unknown secrets entity: api_keys/);
    const covered = new Set(positives.map(([, entity]) => entity));
    assert.deepEqual(
      secretEntities.filter((e) => !covered.has(e)),
      [],
    );
  });

  test('an over-long token or JWT is still redacted, by a first part within maxMatchLength', () => {
    const withoutKeys = secretsDetector({ entities: secretEntities.filter((e) => e !== 'private_key') });
    assert.equal(withoutKeys.maxMatchLength, 1024);
    const bigJwt = `eyJ${'a'.repeat(200)}.eyJ${random.repeat(60)}.${'s'.repeat(342)}`;
    const longKey = `sk-proj-${random.repeat(30)}`;
    for (const token of [bigJwt, longKey]) {
      const [finding] = withoutKeys.scan(`x ${token} y`);
      assert.ok(finding, token.slice(0, 10));
      assert.equal(finding.start, 2);
      assert.ok(finding.end - finding.start <= withoutKeys.maxMatchLength);
    }
  });

  test('no finding is longer than maxMatchLength, and hostile input finishes', () => {
    for (const [text] of positives)
      for (const f of secrets.scan(text)) assert.ok(f.end - f.start <= secrets.maxMatchLength);
    const long = `${'-----BEGIN PRIVATE KEY-----'.repeat(2000)}${'a'.repeat(100_000)} Bearer ${'x'.repeat(100_000)}`;
    const findings = secrets.scan(`${long} sk-${random}`);
    assert.equal(findings.at(-1)?.entity, 'openai_key');
    for (const unit of ['sk-', 'eyJa', 'a:b@', 'password=', 'xoxb-', '://a:']) {
      assert.ok(Array.isArray(secrets.scan(unit.repeat(50_000))), unit);
    }
  });
});

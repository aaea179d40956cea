// Credential samples for the corpus: fake keys in the providers' shapes, in the places they leak
// (env files, code, logs, chat), and look-alikes that are not secrets (placeholders, hashes, ids).

import type { Sample } from './make-corpus.ts';
import * as v from './values.ts';

export function secretSamples(r: v.Random): Sample[] {
  const out: Sample[] = [];
  const add = (text: string, labels: string[], note?: string) =>
    out.push({ text, labels, category: 'secrets', ...(note ? { note } : {}) });
  const contexts = [
    (_k: string, s: string) => `Here is my key ${s}, why does the API return 401?`,
    (k: string, s: string) => `${k}=${s}`,
    (k: string, s: string) => `export ${k}="${s}"`,
    (k: string, s: string) =>
      `client = Client(api_key="${s}")`.replace('api_key=', k === 'OPENAI_API_KEY' ? 'api_key=' : 'token='),
    (_k: string, s: string) => `const token = '${s}'; // TODO move to vault`,
    (_k: string, s: string) => `Error: request failed with credentials ${s}`,
  ];
  const shapes: Array<[string, string, () => string]> = [
    ['OPENAI_API_KEY', 'openai_key', () => `sk-proj-${v.urlsafe(r, 48)}`],
    ['OPENAI_API_KEY', 'openai_key', () => `sk-${v.alnum(r, 20)}T3BlbkFJ${v.alnum(r, 20)}`],
    ['ANTHROPIC_API_KEY', 'anthropic_key', () => `sk-ant-api03-${v.urlsafe(r, 93)}AA`],
    ['AWS_ACCESS_KEY_ID', 'aws_access_key', () => `AKIA${v.upperAlnum(r, 16)}`],
    ['AWS_ACCESS_KEY_ID', 'aws_access_key', () => `ASIA${v.upperAlnum(r, 16)}`],
    ['GOOGLE_API_KEY', 'gcp_api_key', () => `AIza${v.urlsafe(r, 35)}`],
    ['GITHUB_TOKEN', 'github_token', () => `ghp_${v.alnum(r, 36)}`],
    ['GITHUB_TOKEN', 'github_token', () => `github_pat_${v.alnum(r, 22)}_${v.alnum(r, 59)}`],
    ['GH_OAUTH', 'github_token', () => `gho_${v.alnum(r, 36)}`],
    ['GITLAB_TOKEN', 'gitlab_token', () => `glpat-${v.urlsafe(r, 20)}`],
    ['SLACK_BOT_TOKEN', 'slack_token', () => `xoxb-${v.digits(r, 12)}-${v.digits(r, 13)}-${v.alnum(r, 24)}`],
    [
      'SLACK_USER_TOKEN',
      'slack_token',
      () => `xoxp-${v.digits(r, 12)}-${v.digits(r, 12)}-${v.digits(r, 13)}-${v.hex(r, 32)}`,
    ],
    ['STRIPE_SECRET_KEY', 'stripe_key', () => `sk_live_${v.alnum(r, 24)}`],
    ['STRIPE_RESTRICTED_KEY', 'stripe_key', () => `rk_live_${v.alnum(r, 24)}`],
    ['HF_TOKEN', 'huggingface_token', () => `hf_${v.letters(r, 34)}`],
    ['NPM_TOKEN', 'npm_token', () => `npm_${v.alnum(r, 36)}`],
    ['SENDGRID_API_KEY', 'sendgrid_key', () => `SG.${v.urlsafe(r, 22)}.${v.urlsafe(r, 43)}`],
    ['GATEHOUSE_KEY', 'gatehouse_key', () => `gh-${v.alnum(r, 32)}`],
    ['GROQ_API_KEY', 'groq_key', () => `gsk_${v.alnum(r, 52)}`],
    ['DATABRICKS_TOKEN', 'databricks_token', () => `dapi${v.hex(r, 32)}`],
    ['SHOPIFY_ACCESS_TOKEN', 'shopify_token', () => `shpat_${v.hex(r, 32)}`],
    ['VAULT_TOKEN', 'vault_token', () => `hvs.${v.urlsafe(r, 95)}`],
  ];
  for (const [name, entity, make] of shapes) {
    for (let i = 0; i < 3; i++) {
      const ctx = contexts[(out.length + i) % contexts.length]!;
      add(ctx(name, make()), [entity]);
    }
  }
  const jwt = () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: v.digits(r, 8), name: 'Ada', iat: 1733000000 + Math.floor(r() * 1e6) })}.${v.urlsafe(r, 43)}`;
  };
  for (let i = 0; i < 4; i++) {
    add(
      v.pick(r, [
        `Decode this token for me: ${jwt()}`,
        `curl -H "Authorization: Bearer ${jwt()}" https://api.example.com/me`,
        `Cookie: session=${jwt()}`,
      ]),
      ['jwt'],
    );
  }
  const pem = (kind: string, lines: number, escaped = false) => {
    const nl = escaped ? '\\n' : '\n';
    const body = Array.from({ length: lines }, () => v.b64(r, 64)).join(nl);
    return `-----BEGIN ${kind}PRIVATE KEY-----${nl}${body}${nl}-----END ${kind}PRIVATE KEY-----`;
  };
  add(`Why does ssh reject this key?\n${pem('OPENSSH ', 6)}`, ['private_key']);
  add(`Here's the cert key from the server:\n${pem('RSA ', 10)}\nand the chain follows.`, ['private_key']);
  add(`${pem('EC ', 3)}`, ['private_key']);
  add(
    `{"type": "service_account", "project_id": "acme-prod", "private_key_id": "${v.hex(r, 40)}", "private_key": "${pem('', 8, true)}\\n", "client_email": "deployer@acme-prod.iam.gserviceaccount.com"}`,
    ['credential', 'private_key', 'email'],
    'GCP service-account JSON',
  );
  const pw = () =>
    v.pick(r, [`${v.letters(r, 6)}${v.digits(r, 3)}!`, `${v.alnum(r, 14)}`, `Summer${v.digits(r, 4)}#`]);
  add(`DATABASE_URL=postgres://app:${pw()}@db.internal:5432/orders`, ['connection_string']);
  add(`mongodb+srv://admin:${pw()}@cluster0.ab1cd.mongodb.net/test?retryWrites=true`, ['connection_string']);
  add(`redis://:${pw()}@cache.internal:6379/0 refused the connection`, ['connection_string']);
  add(`mysql://root:${pw()}@127.0.0.1:3306/shop`, ['connection_string', 'ip']);
  add(`amqp://guest:${pw()}@rabbit:5672/ keeps timing out`, ['connection_string']);
  add(`Server=tcp:sql.example.net;Database=crm;User Id=sa;Password=${pw()};`, ['password']);
  add(`db:\n  user: app\n  password: ${pw()}\n  host: db.internal`, ['password']);
  add(`The admin password is "${pw()}" — please rotate it.`, ['password']);
  add(`aws_secret_access_key = ${v.b64(r, 40)}`, ['aws_secret_key']);
  add(`[default]\naws_access_key_id = AKIA${v.upperAlnum(r, 16)}\naws_secret_access_key = ${v.b64(r, 40)}`, [
    'aws_access_key',
    'aws_secret_key',
  ]);
  add(`client_secret: ${v.alnum(r, 32)}`, ['credential']);
  add(
    `curl -u admin:${pw()} https://jenkins.example.com -H "Authorization: Basic ${Buffer.from(`admin:${pw()}`).toString('base64')}"`,
    ['auth_header'],
  );
  add(`https://hooks.slack.com/services/T${v.upperAlnum(r, 8)}/B${v.upperAlnum(r, 10)}/${v.alnum(r, 24)}`, [
    'slack_webhook',
  ]);

  // Look-alikes: not secrets.
  const lookAlikes: Array<[string, string]> = [
    ['Set OPENAI_API_KEY=sk-... in your .env file.', 'ellipsis placeholder'],
    ['export OPENAI_API_KEY="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', 'x placeholder'],
    ['api_key = "<your-api-key>"', 'angle placeholder'],
    ['password: ${DB_PASSWORD}', 'env reference'],
    ['DATABASE_URL=postgres://app:${PGPASSWORD}@db:5432/app', 'env reference in URL'],
    ['postgres://localhost:5432/app has no password at all', 'URL without credentials'],
    [`The commit ${v.hex(r, 40)} fixed the race.`, 'git SHA'],
    [`sha256: ${v.hex(r, 64)}`, 'hash'],
    [`request id ${v.hex(r, 8)}-${v.hex(r, 4)}-4${v.hex(r, 3)}-a${v.hex(r, 3)}-${v.hex(r, 12)}`, 'UUID'],
    ['Reset your password: click the link in the email.', 'prose after password:'],
    ['The password is strong enough, said the checker.', 'prose'],
    ['Use a Bearer token in the Authorization header.', 'prose about bearer'],
    ['Basic usage: run the binary with --help.', 'Basic as a word'],
    ['AKIA is the prefix AWS uses for access key ids.', 'prefix alone'],
    ['Our style guide lives on the gh-pages branch.', 'gh- slug'],
    ['sk-learn is the usual alias for scikit-learn.', 'sk- word'],
    ['The risk-free rate is 4.2%.', 'risk-free'],
    ['Tokens look like eyJ... followed by two more dots.', 'JWT mention'],
    ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE----- is public.', 'certificate, not a key'],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7n public key for deploy', 'public key'],
    ['Get a key at https://platform.openai.com/api-keys and paste it.', 'docs URL'],
    [`image: data:image/png;base64,${v.b64(r, 60)}`, 'base64 image data'],
    ['client_secret: REDACTED', 'already redacted'],
    ['Rotate the token for the xox- prefix bots next week.', 'Slack prefix mention'],
    ['password=', 'empty value'],
    ['Call api.get(key) with the API key from settings.', 'code without a value'],
    ['Stripe test cards such as 4242 4242 4242 4242 are public.', 'Stripe test card (a card, labelled)'],
  ];
  for (const [text, note] of lookAlikes) add(text, note.includes('labelled') ? ['card'] : [], note);
  return out;
}

// Credentials: provider API keys by their documented prefixes, PEM private keys, JWTs, passwords
// in connection strings, HTTP auth headers, and values assigned to credential-named keys.
//
// Hand-written rather than taken from secretlint: secretlint's rules (the recommended preset) run
// only through its asynchronous per-file linter and export no patterns, and measured ~180 µs per KB
// in-process, over this detector's budget; a guardrail needs a synchronous scan that a stream
// redactor can call per chunk. The prefixes follow the providers' documentation and the rules of
// secretlint (secretlint-rule-preset-recommend) and gitleaks (config/gitleaks.toml); see
// docs/guardrails-detectors.md for the list with sources.
//
// Every pattern is linear on hostile input: runs are bounded or anchored by a fixed prefix.

import { type Candidate, combine, type Finding, scanCandidates, tail } from './types.ts';

export const secretEntities = [
  'openai_key',
  'anthropic_key',
  'gatehouse_key',
  'aws_access_key',
  'aws_secret_key',
  'gcp_api_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'slack_webhook',
  'stripe_key',
  'huggingface_token',
  'npm_token',
  'sendgrid_key',
  'groq_key',
  'databricks_token',
  'shopify_token',
  'grafana_token',
  'vault_token',
  'linear_key',
  'notion_token',
  'figma_token',
  'private_key',
  'jwt',
  'connection_string',
  'auth_header',
  'password',
  'credential',
] as const;

/** Real keys are random: a slug such as `gh-pages-deploy-workflow` or the word "authentication" is not one. */
const looksRandom = (token: string): boolean =>
  /\d/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token));

/** `xxxxxxxx`, `00000000`, `abababab`: filler in documentation, not a key. */
function diverse(token: string): boolean {
  const distinct = new Set(token).size;
  return distinct >= Math.min(8, Math.ceil(token.length / 3));
}

/** `${DB_PASSWORD}`, `$TOKEN`, `<password>`, `***`, `your-api-key`: placeholders, not values. */
const placeholderValue =
  /(?:\.\.\.|…)$|x{6,}|X{6,}|^(?:\$\{?[\w.-]+\}?|<[^>]*>|\{\{?[\w. -]*\}\}?|%[sd]|\*+|x+|X+|\.{3}|…|(?:your|my)[_-].*|changeme|redacted|\[redacted.*|null|none|undefined|true|false)$/i;

/** The token after a known prefix: which provider, and is it random enough to be real. */
function classifyToken(token: string): string | null {
  if (token.startsWith('sk-ant-'))
    return looksRandom(token.slice(7)) && diverse(token) ? 'anthropic_key' : null;
  if (token.startsWith('sk-'))
    return looksRandom(token.slice(3)) && diverse(token.slice(3)) ? 'openai_key' : null;
  if (token.startsWith('gh-'))
    return looksRandom(token.slice(3)) && diverse(token.slice(3)) ? 'gatehouse_key' : null;
  if (!diverse(token)) return null;
  if (
    token.startsWith('AKIA') ||
    token.startsWith('ASIA') ||
    token.startsWith('ABIA') ||
    token.startsWith('ACCA')
  ) {
    return 'aws_access_key';
  }
  if (token.startsWith('AIza')) return 'gcp_api_key';
  if (token.startsWith('github_pat_') || /^gh[pousr]_/.test(token)) return 'github_token';
  if (token.startsWith('glpat-')) return 'gitlab_token';
  if (token.startsWith('xox')) return 'slack_token';
  if (token.startsWith('https://hooks.slack.com/')) return 'slack_webhook';
  if (/^[sr]k_(?:live|test)_/.test(token)) return 'stripe_key';
  if (token.startsWith('hf_')) return 'huggingface_token';
  if (token.startsWith('npm_')) return 'npm_token';
  if (token.startsWith('SG.')) return 'sendgrid_key';
  if (token.startsWith('gsk_')) return 'groq_key';
  if (token.startsWith('dapi')) return 'databricks_token';
  if (token.startsWith('shp')) return 'shopify_token';
  if (token.startsWith('glsa_') || token.startsWith('glc_')) return 'grafana_token';
  if (token.startsWith('hvs.')) return 'vault_token';
  if (token.startsWith('lin_api_')) return 'linear_key';
  if (token.startsWith('ntn_')) return 'notion_token';
  if (token.startsWith('figd_')) return 'figma_token';
  if (token.startsWith('eyJ')) return 'jwt';
  return null;
}

/** Provider prefixes (classifyToken names them). */
const tokenPattern =
  /(?<!(?<!\\)[\w-])(?:(?:sk|gh)-[\w-]{20,400}|gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{22,255}|glpat-[\w-]{20,255}|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![0-9A-Za-z])|AIza[\w-]{35}(?![\w-])|xox[abposr]-[A-Za-z0-9-]{10,255}|https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]{6,32}\/B[A-Za-z0-9_]{6,32}\/[A-Za-z0-9_]{20,64}|[sr]k_(?:live|test)_[A-Za-z0-9]{20,255}|hf_[A-Za-z]{30,255}|npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])|SG\.[\w-]{22}\.[\w-]{43}|gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9])|dapi[A-Fa-f0-9]{32}(?:-\d)?(?![A-Fa-f0-9])|shp(?:at|ss|ca|pa)_[A-Za-z0-9]{32,64}(?![A-Za-z0-9])|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Fa-f0-9])|glc_[A-Za-z0-9+/]{32,400}={0,2}(?![A-Za-z0-9+/=])|hvs\.[\w-]{90,120}(?![\w-])|lin_api_[A-Za-z0-9_]{32,128}(?![A-Za-z0-9_])|ntn_\d{11}[A-Za-z0-9]{35}(?![A-Za-z0-9])|figd_[\w-]{40,200}(?![\w-])|eyJ[\w-]{5,300}\.eyJ[\w-]{5,500}(?:\.[\w-]{0,200})?)/;
const wholeToken = new RegExp(`^(?:${tokenPattern.source})$`);

function knownToken(value: string): string | null {
  return wholeToken.test(value) ? classifyToken(value) : null;
}

function acceptAssignment(
  match: string,
  start: number,
  groups: Record<string, string | undefined>,
): Finding[] {
  const quoted = groups['quotedValue'] ?? groups['statedValue'];
  let value = quoted ?? groups['bareValue'];
  if (value === undefined) return [];
  const valueStart = start + match.length - value.length;
  if (placeholderValue.test(value.trim())) return [];
  // `OPENAI_API_KEY=sk-…`: the value is a known kind of key, and is reported as one.
  const known = knownToken(value);
  if (known !== null) return [{ entity: known, start: valueStart, end: valueStart + value.length }];
  if (quoted === undefined) {
    value = value.replace(/[.:)\]]+$/, ''); // sentence punctuation after a bare value
    // A bare lowercase word ("password: reset it") is prose, not a credential.
    if (value.length < 3 || !(looksRandom(value) || /[^A-Za-z]/.test(value))) return [];
  }
  if (placeholderValue.test(value.trim()) || value.startsWith('[REDACTED')) return [];
  const key = groups['assignedKey']!.toLowerCase();
  const entity = /secret[_-]?access|^aws/.test(key)
    ? 'aws_secret_key'
    : /pass/.test(key)
      ? 'password'
      : 'credential';
  return [{ entity, start: valueStart, end: valueStart + value.length }];
}

const candidates: Candidate[] = [
  {
    // PEM private keys (also inside JSON, as in a GCP service-account file, where newlines are `\n`);
    // a block cut short is taken up to where its base64 body ends.
    name: 'pem',
    entities: ['private_key'],
    // Lines are split by real or JSON-escaped newlines only, and a line after the first is key
    // material when 16+ characters long (or the short last line before END), so words after a
    // cut-short key stay.
    pattern:
      /-----BEGIN [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----(?:\r?\n|\\(?:r\\)?n|[ \t])?[A-Za-z0-9+/=]{1,4096}(?:(?:\r?\n|\\(?:r\\)?n)[A-Za-z0-9+/=]{16,100}){0,60}(?:(?:\r?\n|\\(?:r\\)?n)[A-Za-z0-9+/=]{1,15}(?=(?:\r?\n|\\(?:r\\)?n)?-----END))?(?:(?:\r?\n|\\(?:r\\)?n)?-----END [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----)?/,
    accept: (match, start) => [{ entity: 'private_key', start, end: start + match.length }],
  },
  {
    // postgres://user:password@host, redis://:password@host, mongodb+srv://…: user and host stay.
    name: 'connection',
    entities: ['connection_string'],
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/?#@"'<>]{0,256}:(?<connPassword>[^\s/?@"'<>]{1,256})(?=@)/,
    accept: (match, start, groups) => {
      const password = groups['connPassword']!;
      return placeholderValue.test(password) ? [] : tail('connection_string', password, match, start);
    },
  },
  {
    // `password=…`, `"api_key": "…"`, `DB_PASSWORD: …`, `aws_secret_access_key = …`; the key stays.
    name: 'assignment',
    entities: ['password', 'credential', 'aws_secret_key'],
    pattern:
      /(?<!(?<!\\)[A-Za-z0-9])(?<assignedKey>(?i:(?:aws[_-]?)?secret[_-]?access[_-]?key|pass(?:word|wd|phrase)|api[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key[_-]?id|(?:access|refresh|auth|session)[_-]?token))(?:\\?["']?[ \t]*[:=]>?[ \t]*(?:\\?["'](?<quotedValue>[^"'\\\n]{1,256})|(?<bareValue>[^\s"'\\&,;]{1,256}))|[ \t]+(?:is|was)[ \t]+\\?["'](?<statedValue>[^"'\\\n]{3,256})(?=\\?["']))/,
    accept: acceptAssignment,
  },
  {
    name: 'httpAuth',
    entities: ['auth_header'],
    pattern:
      /(?<!(?<!\\)[\w-])(?:(?:Bearer|bearer|BEARER)[ \t]+(?<bearerToken>[\w.~+/=-]{8,1000})|Basic[ \t]+(?<basicToken>[A-Za-z0-9+/]{6,1000}={0,2}))/,
    accept: (match, start, groups) => {
      const bearer = groups['bearerToken'];
      if (bearer !== undefined) {
        if (!/[\d._~+/=-]/.test(bearer) || placeholderValue.test(bearer)) return [];
        return tail(knownToken(bearer) ?? 'auth_header', bearer, match, start);
      }
      const basic = groups['basicToken']!;
      return decodesToCredentials(basic) ? tail('auth_header', basic, match, start) : [];
    },
  },
  {
    // Prefixed tokens: the prefix names the provider, classifyToken checks the rest.
    name: 'token',
    entities: [
      'openai_key',
      'anthropic_key',
      'gatehouse_key',
      'aws_access_key',
      'gcp_api_key',
      'github_token',
      'gitlab_token',
      'slack_token',
      'slack_webhook',
      'stripe_key',
      'huggingface_token',
      'npm_token',
      'sendgrid_key',
      'groq_key',
      'databricks_token',
      'shopify_token',
      'grafana_token',
      'vault_token',
      'linear_key',
      'notion_token',
      'figma_token',
      'jwt',
    ],
    pattern: tokenPattern,
    accept: (match, start) => {
      const entity = classifyToken(match);
      return entity === null ? [] : [{ entity, start, end: start + match.length }];
    },
  },
];

function decodesToCredentials(base64: string): boolean {
  try {
    return atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')).includes(':');
  } catch {
    return false;
  }
}

const byEntities = new Map<string, { candidates: Candidate[]; combined: RegExp }>();

function compiled(entities: ReadonlySet<string>) {
  const key = [...entities].sort().join(',');
  let entry = byEntities.get(key);
  if (!entry) {
    const chosen = candidates.filter((c) => c.entities.some((e) => entities.has(e)));
    entry = { candidates: chosen, combined: combine(chosen.length > 0 ? chosen : candidates) };
    byEntities.set(key, entry);
  }
  return entry;
}

// An AWS secret access key has no prefix: 40 base64 characters. Next to an access key id
// ("AKIA… / wJalr…", a credentials CSV row) it is one; alone it is indistinguishable from a hash.
const awsSecretNearby = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g;
const awsSecretReach = 200;

function pairAwsSecrets(text: string, found: Finding[]): void {
  for (const key of found.filter((f) => f.entity === 'aws_access_key')) {
    awsSecretNearby.lastIndex = key.end;
    const window = text.slice(0, Math.min(text.length, key.end + awsSecretReach));
    const match = awsSecretNearby.exec(window);
    if (match === null || !looksRandom(match[0]) || !/[a-z]/.test(match[0]) || !/[A-Z]/.test(match[0]))
      continue;
    const start = match.index;
    if (found.some((f) => start < f.end && f.start < start + 40)) continue;
    found.push({ entity: 'aws_secret_key', start, end: start + 40 });
  }
  found.sort((a, b) => a.start - b.start);
}

/** Entities named after where a value sits rather than what it is: a known key inside them wins. */
const generic = new Set(['password', 'credential', 'aws_secret_key', 'auth_header']);

export function scanSecrets(text: string, entities: ReadonlySet<string>): Finding[] {
  const { candidates: chosen, combined } = compiled(entities);
  if (chosen.length === 0) return [];
  const found = scanCandidates(text, chosen, combined).filter((f) => entities.has(f.entity));
  if (entities.has('aws_secret_key')) pairAwsSecrets(text, found);
  if (found.length < 2) return found;
  // `OPENAI_API_KEY=sk-…` is found by the assignment and the token rules: report the key once, as a key.
  const out: Finding[] = [];
  for (const f of found.sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = out.at(-1);
    if (last === undefined || f.start >= last.end) out.push(f);
    else if (generic.has(last.entity) && !generic.has(f.entity)) out[out.length - 1] = f;
    else if (f.end > last.end) last.end = f.end;
  }
  return out;
}

/**
 * The longest text a pattern can match: a PEM block with its header and footer. Without private
 * keys, 1 KB: every other pattern is bounded below that (a longer token or JWT is matched, and
 * redacted, by its first part, which leaves it unusable).
 */
export const maxSecretLength = 4096 + 60 * 102 + 2 * 60;

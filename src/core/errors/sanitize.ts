// Strips credentials from text the gateway did not write itself (an upstream's error message) before
// it reaches a caller or a log. Providers echo what they were sent: "Incorrect API key provided:
// sk-…", a proxy's "invalid Authorization: Bearer …", a database URL in a stack. The rules are data
// (a list of patterns) and stripSecrets is a pure function, so other checks (guardrails) can reuse or
// extend the list.
//
// Every pattern is linear on hostile input: runs are bounded or anchored by a fixed prefix, and the
// one lazy scan (private keys) is capped in length.

export interface SecretRule {
  readonly name: string;
  /**
   * A global pattern. When it has a group named `secret`, that group must be the tail of the match
   * and only it is replaced, so "Bearer " or "password=" stay readable; otherwise the whole match is.
   */
  readonly pattern: RegExp;
  /** A further check on the secret, for shapes that ordinary words can also take. */
  readonly accept?: (secret: string) => boolean;
}

export const redactedMarker = '[REDACTED]';

/** Real keys are random: a slug such as `gh-pages-deploy-workflow` or the word "authentication" is not one. */
const looksRandom = (token: string): boolean =>
  /\d/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token));
/** Tokens after an auth scheme may also be base64 or dotted. */
const looksLikeToken = (token: string): boolean => looksRandom(token) || /[._~+/=]/.test(token);

export const secretRules: readonly SecretRule[] = [
  {
    // PEM private keys; a block cut short (no END line) is redacted to the end of the text.
    name: 'private_key',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|$)/g,
  },
  {
    // postgres://user:password@host, redis://:password@host: the user and host stay.
    name: 'url_password',
    pattern: /\b[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/?#@]{0,256}:(?<secret>[^\s/?#@]{1,256})(?=@)/g,
  },
  {
    name: 'http_authorization',
    pattern: /\b(?:Bearer|Basic)\s+(?<secret>[A-Za-z0-9._~+/=-]{8,})/gi,
    accept: looksLikeToken,
  },
  {
    // OpenAI (sk-…, sk-proj-…, sk-svcacct-…), Anthropic (sk-ant-api03-…) and Gatehouse (gh-…) keys.
    name: 'api_key',
    pattern: /(?<![\w-])(?:sk|gh)-[A-Za-z0-9_-]{16,}/g,
    accept: (key) => looksRandom(key.slice(3)),
  },
  { name: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  { name: 'google_api_key', pattern: /\bAIza[A-Za-z0-9_-]{35}/g },
  { name: 'github_token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { name: 'slack_token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  {
    // `password=…`, `"api_key": "…"`, `API key provided: …`, `aws_secret_access_key = …`.
    name: 'assignment',
    pattern:
      /(?<![A-Za-z0-9])(?:passw(?:or)?d|passphrase|pwd|secret|client[_-]?secret|secret[_-]?access[_-]?key|api[ _-]?key(?: provided)?|x-api-key|access[_-]?key(?:[_-]?id)?|(?:access|refresh|auth|session)[_-]?token|authorization)["']?\s{0,8}[:=]\s{0,8}["']?(?<secret>[^\s"',;&]{3,}[^\s"',;&.])/gi,
    // The scheme of `Authorization: Bearer …` is not the secret; the rule above took the token.
    accept: (value) => !value.startsWith(redactedMarker) && !/^(?:Bearer|Basic)$/i.test(value),
  },
];

/** The text with every secret the rules find replaced by `[REDACTED]`. */
export function stripSecrets(text: string, rules: readonly SecretRule[] = secretRules): string {
  let out = text;
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    if (!rule.pattern.test(out)) continue;
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.at(-1) as Record<string, string | undefined> | undefined;
      const secret = (typeof groups === 'object' ? groups?.['secret'] : undefined) ?? match;
      if (rule.accept && !rule.accept(secret)) return match;
      return match.slice(0, match.length - secret.length) + redactedMarker;
    });
  }
  return out;
}

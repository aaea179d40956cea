// Strips credentials from text the gateway did not write itself (an upstream's error message) before
// it reaches a caller or a log. Providers echo what they were sent: "Incorrect API key provided:
// sk-…", a proxy's "invalid Authorization: Bearer …", a database URL in a stack. What counts as a
// credential is core/detect's secrets detector, the one guardrails and the request log use; only the
// secret itself is replaced, so "Bearer " or "password=" stay readable.

import { secretsDetector } from '../detect/index.ts';

export const redactedMarker = '[REDACTED]';

const secrets = secretsDetector();

/** The text with every secret the detector finds replaced by `[REDACTED]`. */
export function stripSecrets(text: string): string {
  const findings = secrets.scan(text);
  if (findings.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { start, end } of findings) {
    if (start < at) continue;
    out += text.slice(at, start) + redactedMarker;
    at = end;
  }
  return out + text.slice(at);
}

// Reading and writing the console's cookies.
import type { IncomingHttpHeaders } from 'node:http';

export const sessionCookie = 'gh_session';

export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A Set-Cookie value: always HttpOnly and SameSite=Lax (sent on top-level navigations, which the
 * OIDC redirect back is, never on cross-site subrequests); Secure when the page came over TLS.
 */
export function cookieHeader(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeS: number; path?: string },
): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** True when the caller reached us over TLS, directly or through a proxy that says so. */
export function overTls(socket: { encrypted?: boolean } | undefined, headers: IncomingHttpHeaders): boolean {
  if (socket?.encrypted) return true;
  const proto = headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

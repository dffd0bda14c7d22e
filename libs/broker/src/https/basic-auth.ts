/**
 * The credentials of an HTTP Basic `Authorization` header (RFC 7617 §2): "Basic " then the
 * base64 of "user-id:password"; the user id cannot contain a colon, the password may. Null for
 * anything else. Written here rather than taken from jshttp's basic-auth, whose current release
 * is ESM-only and does not load in the project's CommonJS build and tests.
 */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

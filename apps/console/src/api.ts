/**
 * The console's client of GridProof's REST API. The API key lives in sessionStorage only: it is
 * gone when the tab closes, is never written to localStorage or a cookie, and never appears in a
 * URL (the console's routes are in the fragment and carry no secret). It travels in the
 * Authorization header (RFC 6750 §2.1), as for every other client.
 */
const STORAGE_KEY = 'gridproof.apiKey';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key: string): void => sessionStorage.setItem(STORAGE_KEY, key),
  signOut: (): void => {
    sessionStorage.removeItem(STORAGE_KEY);
    window.dispatchEvent(new Event('gridproof:signed-out'));
  },
};

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  /** Use this key instead of the session's (sign-in checks a key before keeping it). */
  key?: string;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const key = options.key ?? session.key();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // Same origin only; the key is never sent anywhere else.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('GridProof cannot be reached; check the connection and try again.', 0);
  }
  const text = await response.text();
  const body = text ? safeJson(text) : undefined;
  if (!response.ok) {
    // A key that stops working (revoked) ends the session rather than failing every call.
    if (response.status === 401 && !options.key) session.signOut();
    throw new ApiError(messageOf(body) ?? `${response.status} ${response.statusText}`, response.status);
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown } | undefined)?.message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}

/** `?a=1&b=2` from the defined entries. */
export function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

/**
 * The CLI's client of the GridProof REST API. CLI commands talk to the running service over
 * HTTP, never to the SQL store: the embedded PGlite folder can be opened by one process only.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status; 0 when the API could not be reached. */
    readonly status: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface ApiTarget {
  baseUrl: string;
  apiKey: string | null;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export class ApiClient {
  private readonly baseUrl: string;

  constructor(private readonly target: ApiTarget) {
    this.baseUrl = target.baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.apiKey) headers.authorization = `Bearer ${this.target.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        `cannot reach the GridProof API at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}); is it running? Set --api or GP_API_URL`,
        0,
      );
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const detail = serverMessage(parsed) ?? (text.trim() || response.statusText);
      const hint = response.status === 401 ? ' (pass --api-key, set GP_API_KEY, or keep the admin key in .data/admin.key)' : '';
      throw new ApiError(`${method} ${path} failed: HTTP ${response.status}: ${detail}${hint}`, response.status, parsed ?? text);
    }
    return (text ? (parsed ?? text) : undefined) as T;
  }
}

/** Options every API-backed command takes; read them back with apiClientFor(command). */
export function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', `GridProof API base URL (env GP_API_URL, default ${DEFAULT_API_URL})`)
    .option('--api-key <key>', 'API key (env GP_API_KEY, default: the key in <GP_DATA_DIR or .data>/admin.key)');
}

/**
 * The API target of a command: flags first, then GP_API_URL / GP_API_KEY, then the admin key
 * file the service writes on first start. The CLI is a client, not the service, so it reads
 * these few variables itself rather than the service's config.
 */
export function resolveApiTarget(options: { api?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const baseUrl = options.api ?? env.GP_API_URL ?? DEFAULT_API_URL;
  const apiKey = options.apiKey ?? env.GP_API_KEY ?? readKeyFile(join(env.GP_DATA_DIR ?? '.data', 'admin.key'));
  return { baseUrl, apiKey };
}

export function apiClientFor(command: Command): ApiClient {
  return new ApiClient(resolveApiTarget(command.optsWithGlobals<{ api?: string; apiKey?: string }>()));
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function withQuery(path: string, query?: Record<string, string | number | undefined>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Nest error bodies: { statusCode, message: string | string[], error }. */
function serverMessage(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const message = (body as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return null;
}

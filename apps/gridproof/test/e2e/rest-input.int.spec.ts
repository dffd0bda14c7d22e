/**
 * Bad query and path input on every REST route answers 4xx with a message naming the
 * parameter, never 500 (issue 13, finding 7: `telemetry?to=9999999999999` and
 * `proofs?device=a%0Ab` answered 500). Runs against the whole app with the real InfluxDB,
 * SQL store and embedded chain, because those are where the 500s came from.
 */
import { E2eApp, startE2eApp } from './e2e-app';

jest.setTimeout(120_000);

/** Values a careless integrator or an attacker puts into a parameter, raw (already URL-encoded). */
const HOSTILE = [
  '9999999999999', // 2286: past InfluxDB's last representable instant (2262-04-11)
  '99999999999999999999', // beyond 2^64
  '-1',
  '1e400',
  'NaN',
  'a%0Ab', // a newline
  'a%00b', // NUL: Postgres text refuses it
  '%FF', // not UTF-8
  'x'.repeat(5_000),
  '2262-04-12T00:00:00Z',
  '0001-01-01T00:00:00Z',
  "'%20or%201=1--",
];

/** Each GET with its query parameters; a hostile value goes into one at a time, the others stay valid. */
const ROUTES: Array<{ path: string; params: Record<string, string> }> = [
  { path: '/api/devices/rest-1/telemetry', params: { from: '1700000000000', to: '1700003600000', metrics: 'active_power_w', limit: '10' } },
  { path: '/api/devices', params: { type: 'smart-meter', site: 'site-e2e', state: 'active', family: 'energy' } },
  { path: '/api/audit', params: { from: '1700000000000', to: '1700003600000' } },
  { path: '/api/proofs', params: { device: 'rest-1', seq: '1' } },
  { path: '/api/proofs', params: { device: 'rest-1', ts: '1700000000000' } },
  { path: '/api/anchors', params: { limit: '10', before: '5' } },
  { path: '/api/alerts', params: { state: 'firing', severity: 'critical', site: 'site-e2e', device: 'rest-1', kind: 'x', limit: '10', offset: '0' } },
];

/** Path parameters: each route with a hostile id in place of a real one. */
const PATH_ROUTES: Array<{ method: string; path: (id: string) => string }> = [
  { method: 'GET', path: (id) => `/api/devices/${id}` },
  { method: 'GET', path: (id) => `/api/devices/${id}/telemetry` },
  { method: 'PATCH', path: (id) => `/api/devices/${id}` },
  { method: 'DELETE', path: (id) => `/api/devices/${id}` },
  { method: 'POST', path: (id) => `/api/devices/${id}/disable` },
  { method: 'GET', path: (id) => `/api/alerts/${id}` },
  { method: 'POST', path: (id) => `/api/alerts/${id}/acknowledge` },
  { method: 'POST', path: (id) => `/api/alerts/${id}/resolve` },
  { method: 'DELETE', path: (id) => `/api/silences/${id}` },
  { method: 'DELETE', path: (id) => `/api/keys/${id}` },
];

describe('REST input validation', () => {
  let app: E2eApp;

  beforeAll(async () => {
    app = await startE2eApp();
    await app.provision('rest-1', 'smart-meter');
  });

  afterAll(async () => {
    await app?.close();
  });

  const raw = async (method: string, path: string): Promise<{ status: number; text: string }> => {
    const body = method === 'PATCH' ? JSON.stringify({ name: 'x' }) : method === 'POST' ? '{}' : undefined;
    const res = await fetch(`${app.running.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${app.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
    return { status: res.status, text: await res.text() };
  };

  it('answers the two 500s of the report with 400 naming the parameter', async () => {
    const far = await raw('GET', '/api/devices/rest-1/telemetry?to=9999999999999');
    expect(far.status).toBe(400);
    expect(far.text).toMatch(/to: /);
    // The last instant InfluxDB stores is still a valid bound.
    expect((await raw('GET', '/api/devices/rest-1/telemetry?from=9223372036000&to=9223372036854')).status).toBe(200);
    const newline = await raw('GET', '/api/proofs?device=a%0Ab&seq=1');
    expect(newline.status).toBe(400);
    expect(newline.text).toMatch(/device: /);
  });

  it('answers every valid query with 2xx or 404, the baseline the hostile cases vary', async () => {
    for (const route of ROUTES) {
      const res = await raw('GET', `${route.path}?${new URLSearchParams(route.params).toString()}`);
      expect({ route: route.path, status: res.status < 300 || res.status === 404 }).toEqual({ route: route.path, status: true });
    }
  });

  it('answers hostile query values with 4xx naming the parameter, never 5xx', async () => {
    const failures: string[] = [];
    for (const route of ROUTES) {
      for (const name of Object.keys(route.params)) {
        for (const value of [...HOSTILE, `${route.params[name]}&${name}=${route.params[name]}`, `[x]=1`]) {
          const params = Object.entries(route.params).map(([k, v]) => (k === name ? (value.startsWith('[') ? `${k}${value}` : `${k}=${value}`) : `${k}=${v}`));
          const url = `${route.path}?${params.join('&')}`;
          const res = await raw('GET', url);
          if (res.status >= 500) failures.push(`${url.slice(0, 120)} → ${res.status} ${res.text.slice(0, 120)}`);
          // A refusal names the parameter it refuses (or the pair of them, for "from must be before to").
          if (res.status === 400 && !res.text.includes(name) && !/from must be|exactly one of/.test(res.text)) failures.push(`${url.slice(0, 120)} → 400 without "${name}": ${res.text.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers hostile path ids with 4xx, never 5xx', async () => {
    const failures: string[] = [];
    for (const route of PATH_ROUTES) {
      for (const value of HOSTILE) {
        const res = await raw(route.method, route.path(value));
        if (res.status >= 500) failures.push(`${route.method} ${route.path(value).slice(0, 120)} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

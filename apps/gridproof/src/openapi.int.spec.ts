/**
 * The OpenAPI document drives a client (issue 18): every operation documents its answers, its
 * request body and its parameters; a client generated with openapi-typescript is typed (neither
 * `never` nor `any`); and the real answers of a running GridProof match the documented schemas
 * (checked with ajv), so the document cannot drift from what the API does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import ts from 'typescript';
import { AnomalyEvent, PipelineEvents } from '@gridproof/events';
import { E2eApp, startE2eApp, waitFor } from '../test/e2e/e2e-app';

jest.setTimeout(120_000);

type Json = Record<string, unknown>;
interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

const METHODS = ['get', 'post', 'patch', 'put', 'delete'];

/**
 * OpenAPI 3.0 to the JSON Schema ajv reads: exclusive bounds are draft-04 booleans there
 * (numbers now), and `nullable` may stand without `type` (ajv wants it with one).
 */
function draft7Of(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(draft7Of);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = draft7Of(value);
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive]) out[exclusive] = out[bound];
    else delete out[exclusive];
    if (out[exclusive] !== undefined) delete out[bound];
  }
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

describe('the OpenAPI document', () => {
  let app: E2eApp;
  let doc: Document;
  const ajv = new Ajv({ strict: false, allErrors: true });

  beforeAll(async () => {
    app = await startE2eApp({ GP_ANCHOR_INTERVAL_MS: '1000', GP_ANCHOR_SETTLE_MS: '300' });
    const res = await fetch(`${app.running.apiUrl}/api/docs-json`);
    doc = (await res.json()) as Document;
    ajv.addSchema(draft7Of(structuredClone(doc)) as unknown as Json, 'doc');
  });

  afterAll(async () => {
    await app?.close();
  });

  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op })));

  /** The documented JSON schema of an answer, with $refs resolved against the whole document. */
  function answerSchema(path: string, method: string, status: number): Json {
    const answer = doc.paths[path]?.[method]?.responses[String(status)];
    const schema = answer?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${method.toUpperCase()} ${path} documents no JSON answer for ${status}`);
    return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"doc#/components/schemas/')) as Json;
  }

  /** Calls the API and checks the answer against the schema documented for its status. */
  async function call(method: string, path: string, template: string, body?: unknown, key?: string | null) {
    const res = await app.api(path, { method: method.toUpperCase(), body: body === undefined ? undefined : JSON.stringify(body) }, key);
    const validate = ajv.compile(answerSchema(template, method, res.status));
    if (!validate(res.body)) throw new Error(`${method.toUpperCase()} ${path} → ${res.status} does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 500)}`);
    return res;
  }

  it('documents a typed answer for every operation, the request bodies and every parameter', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(26);
    for (const { path, method, op } of ops) {
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect({ path, method, success: success.length > 0 }).toEqual({ path, method, success: true });
      for (const [status, answer] of success) {
        if (status === '204') continue;
        const media = Object.keys(answer.content ?? {});
        expect({ path, method, status, media }).toEqual({ path, method, status, media: [path === '/api/metrics' ? 'text/plain' : 'application/json'] });
      }
      // Every route behind the API-key guard says what a missing key gets.
      if (!['/api/health', '/api/metrics'].includes(path)) expect({ path, method, has401: '401' in op.responses }).toEqual({ path, method, has401: true });
    }
    for (const [path, method] of [
      ['/api/devices', 'post'],
      ['/api/devices/{id}', 'patch'],
      ['/api/keys', 'post'],
      ['/api/silences', 'post'],
      ['/api/alerts/{id}/acknowledge', 'post'],
      ['/api/alerts/{id}/resolve', 'post'],
    ]) {
      expect({ path, method, body: Boolean(doc.paths[path][method].requestBody?.content['application/json']?.schema) }).toEqual({ path, method, body: true });
    }
    // OpenAPI 3.0 has no type lists (zod compacts unions into them; see openApiDocument and orNull in libs/core).
    const typeLists = JSON.stringify(doc).match(/"type":\[[^\]]*\]/g) ?? [];
    expect(typeLists).toEqual([]);
    const parameters = (path: string) => (doc.paths[path].get.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    expect(parameters('/api/alerts')).toEqual(expect.arrayContaining(['query:state', 'query:severity', 'query:site', 'query:device', 'query:kind', 'query:limit', 'query:offset']));
    expect(parameters('/api/devices')).toEqual(expect.arrayContaining(['query:type', 'query:site', 'query:state', 'query:family']));
    expect(parameters('/api/devices/{id}/telemetry')).toEqual(expect.arrayContaining(['path:id', 'query:from', 'query:to', 'query:metrics', 'query:limit']));
    expect(parameters('/api/proofs')).toEqual(expect.arrayContaining(['query:device', 'query:seq', 'query:ts', 'query:consistencyTo']));
    expect(parameters('/api/audit')).toEqual(expect.arrayContaining(['query:from', 'query:to']));
  });

  it('generates a typed client with openapi-typescript: a call compiles, a wrong one does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-openapi-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
      await promisify(execFile)(process.execPath, [join(process.cwd(), 'node_modules/openapi-typescript/bin/cli.js'), join(dir, 'openapi.json'), '-o', join(dir, 'api.d.ts')], { timeout: 60_000 });
      const call = (severity: string, lat: string) => `
        import createClient from 'openapi-fetch';
        import type { paths } from './api';
        const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:1' });
        export async function firing() {
          const { data } = await client.GET('/api/alerts', { params: { query: { state: 'firing', limit: 10 } } });
          const severity: 'critical' | 'warning' | 'info' | undefined = data?.[0]?.severity;
          const expected: NonNullable<typeof data>[number]['severity'] = ${severity};
          const device = await client.GET('/api/devices/{id}', { params: { path: { id: 'meter-1' } } });
          const lat: number | undefined = device.data?.site.lat${lat};
          return { severity, expected, lat };
        }`;
      writeFileSync(join(dir, 'good.ts'), call(`'critical'`, ''));
      writeFileSync(join(dir, 'wrong.ts'), call(`'loud'`, '.toUpperCase()'));
      const program = ts.createProgram([join(dir, 'good.ts'), join(dir, 'wrong.ts')], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        typeRoots: [],
        baseUrl: process.cwd(),
        paths: { 'openapi-fetch': [join(process.cwd(), 'node_modules/openapi-fetch')] },
      });
      const problems = (file: string) => ts.getPreEmitDiagnostics(program, program.getSourceFile(join(dir, file))).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems('good.ts')).toEqual([]);
      // The wrong call fails twice: a severity that does not exist, a method a number lacks.
      const wrong = problems('wrong.ts');
      expect(wrong).toEqual([expect.stringMatching(/"loud"/), expect.stringMatching(/toUpperCase/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers as documented, on every route, for success and for errors', async () => {
    const created = await call('post', '/api/devices', '/api/devices', { id: 'oa-inv-1', type: 'pv-inverter', site: { id: 'site-oa', lat: 52.1, lon: 5.1 }, requireSignature: false });
    expect(created.status).toBe(201);
    await call('get', '/api/devices', '/api/devices');
    await call('get', '/api/devices/oa-inv-1', '/api/devices/{id}');
    await call('patch', '/api/devices/oa-inv-1', '/api/devices/{id}', { name: 'Roof inverter', metadata: { ratedPowerW: 5000 } });
    await call('post', '/api/devices/oa-inv-1/disable', '/api/devices/{id}/disable');
    await call('post', '/api/devices/oa-inv-1/enable', '/api/devices/{id}/enable');
    await call('post', '/api/devices/oa-inv-1/credentials', '/api/devices/{id}/credentials');
    expect((await call('get', '/api/devices?state=broken', '/api/devices')).status).toBe(400);
    expect((await call('get', '/api/devices/nobody', '/api/devices/{id}')).status).toBe(404);
    expect((await call('post', '/api/devices', '/api/devices', { id: 'oa-inv-1', type: 'pv-inverter', site: { id: 'site-oa', lat: 1, lon: 1 }, requireSignature: false })).status).toBe(409);
    expect((await call('get', '/api/devices', '/api/devices', undefined, null)).status).toBe(401);

    const key = await call('post', '/api/keys', '/api/keys', { name: 'oa crew', role: 'crew', sites: ['site-oa'] });
    await call('get', '/api/keys', '/api/keys');
    await call('delete', `/api/keys/${(key.body.apiKey as Json).id as string}`, '/api/keys/{id}');

    // Readings, so telemetry, anchors, proofs and batch entries have something to answer.
    const device = await app.provision('oa-inv-2', 'pv-inverter');
    const t0 = Date.now() - 60_000;
    for (let seq = 0; seq < 3; seq++) await device.publish(seq, t0 + seq * 10_000, { ac_power_w: 4200 + seq, heatsink_temp_c: 45, ambient_temp_c: 20 });
    const telemetry = await call('get', `/api/devices/oa-inv-2/telemetry?from=${t0 - 1000}`, '/api/devices/{id}/telemetry');
    expect((telemetry.body.points as unknown[]).length).toBe(3);
    expect((await call('get', '/api/devices/oa-inv-2/telemetry?from=200&to=100', '/api/devices/{id}/telemetry')).status).toBe(400);
    await call('get', `/api/devices/oa-inv-2/scores?from=${t0 - 1000}&detector=generic`, '/api/devices/{id}/scores');
    expect((await call('get', '/api/devices/oa-inv-2/scores?detector=Not!', '/api/devices/{id}/scores')).status).toBe(400);
    await call('get', '/api/me', '/api/me');

    const proof = await waitFor('an anchored proof', async () => {
      const res = await app.api('/api/proofs?device=oa-inv-2&seq=0');
      return res.status === 200 && res;
    });
    expect(proof.status).toBe(200);
    await call('get', '/api/proofs?device=oa-inv-2&seq=0&consistencyTo=latest', '/api/proofs');
    expect((await call('get', '/api/proofs?device=oa-inv-2', '/api/proofs')).status).toBe(400);
    expect((await call('get', '/api/proofs?device=oa-inv-2&seq=99', '/api/proofs')).status).toBe(404);
    const batches = await call('get', '/api/anchors', '/api/anchors');
    const batchId = (batches.body as unknown as Array<{ id: number }>)[0].id;
    await call('get', `/api/batches/${batchId}/entries`, '/api/batches/{id}/entries');
    expect((await call('get', '/api/batches/999999/entries', '/api/batches/{id}/entries')).status).toBe(404);
    await call('get', '/api/anchors/status', '/api/anchors/status');
    await call('get', `/api/audit?from=${t0 - 1000}&to=${Date.now()}`, '/api/audit');

    // An alert: an anomaly event as the detectors emit it.
    const anomaly: AnomalyEvent = {
      device: { id: 'oa-inv-2', type: 'pv-inverter', family: 'energy', site: 'site-e2e' },
      ts: Date.now(),
      score: 0.95,
      threshold: 0.7,
      detector: 'maintenance',
      modelVersion: 'pv-inverter@test',
      metrics: [{ name: 'heatsink_temp_c', value: 91, contribution: 0.9 }],
      kind: 'inverter_fan',
      timeToFailureMs: 86_400_000,
    };
    app.running.app.get(PipelineEvents).emit('anomaly', anomaly);
    const alerts = await waitFor('the alert', async () => {
      const res = await call('get', '/api/alerts?state=firing', '/api/alerts');
      return (res.body as unknown as Array<{ id: string }>).length > 0 && (res.body as unknown as Array<{ id: string }>);
    });
    await call('get', `/api/alerts/${alerts[0].id}`, '/api/alerts/{id}');
    await call('post', `/api/alerts/${alerts[0].id}/acknowledge`, '/api/alerts/{id}/acknowledge', { note: 'on my way' });
    expect((await call('post', `/api/alerts/${alerts[0].id}/acknowledge`, '/api/alerts/{id}/acknowledge', {})).status).toBe(409);
    await call('post', `/api/alerts/${alerts[0].id}/resolve`, '/api/alerts/{id}/resolve', { note: 'fan replaced' });
    expect((await call('get', '/api/alerts?state=sleeping', '/api/alerts')).status).toBe(400);

    const silence = await call('post', '/api/silences', '/api/silences', { matchers: ['site=site-oa'], duration: '2h', comment: 'maintenance' });
    await call('get', '/api/silences', '/api/silences');
    await call('delete', `/api/silences/${silence.body.id as string}`, '/api/silences/{id}');
    expect((await call('post', '/api/silences', '/api/silences', { matchers: [], comment: '' })).status).toBe(400);

    await call('get', '/api/health', '/api/health', undefined, null);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { telemetryMessageSchema } from './message';
import { fastParseMessage } from './message-fast-path';

const FIXTURES = join(__dirname, '../../../fixtures/telemetry');

/** Every fixture payload that is JSON, valid and invalid. */
function fixturePayloads(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const kind of ['valid', 'invalid']) {
    for (const f of readdirSync(join(FIXTURES, kind)).filter((n) => n.endsWith('.json'))) {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, kind, f), 'utf8')) as { payload?: unknown; raw?: string; rawBase64?: string };
      if (fixture.rawBase64 !== undefined) continue; // bytes refused before JSON.parse
      let payload: unknown = fixture.payload;
      if (fixture.raw !== undefined) {
        try {
          payload = JSON.parse(fixture.raw);
        } catch {
          continue;
        }
      }
      out.push([`${kind}/${f}`, payload]);
    }
  }
  return out;
}

const base = {
  v: 1,
  device: 'inv-0001',
  ts: 1_763_683_200_000,
  seq: 42,
  readings: { ac_power_w: 4210.5, heatsink_temp_c: 48.2, status: 'running' },
  sig: 'A'.repeat(86) + '==',
};

/** Values that probe each of the schema's edges. */
const ODD_VALUES: unknown[] = [
  undefined, null, true, 0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.MAX_VALUE, '', 'x', '1', 'a'.repeat(64), 'a'.repeat(65),
  'a'.repeat(200), 'a'.repeat(201), [], [1], {}, { a: 1 }, 'inv-0001', '-bad', 'ok.id_1', 'a'.repeat(65), 'é',
];

/** Deterministic mutations of a good message: each field replaced, removed, or added. */
function mutations(): unknown[] {
  const out: unknown[] = [base, { ...base, sig: undefined }, (({ sig: _s, ...rest }) => rest)(base)];
  for (const key of ['v', 'device', 'ts', 'seq', 'readings', 'sig', 'extra', '__proto__']) {
    for (const value of ODD_VALUES) {
      const mutated = { ...base, [key]: value };
      out.push(mutated, JSON.parse(JSON.stringify(mutated)));
    }
    const { [key as keyof typeof base]: _drop, ...without } = base;
    out.push(without);
  }
  for (const value of ODD_VALUES) {
    out.push({ ...base, readings: { ...base.readings, extra_metric: value } });
    out.push({ ...base, readings: { [String(value)]: 1 } });
  }
  out.push({ ...base, readings: {} }, { ...base, readings: { ['m'.repeat(64)]: 1 } }, { ...base, readings: { ['m'.repeat(65)]: 1 } });
  // JSON.parse makes "__proto__" an own key; zod's record drops it.
  out.push(JSON.parse('{"v":1,"device":"d-1","ts":1,"seq":1,"readings":{"__proto__":1,"a":2}}'));
  out.push(JSON.parse('{"v":1,"device":"d-1","ts":1,"seq":1,"readings":{"a":2},"__proto__":{}}'));
  out.push(JSON.parse('{"v":1,"device":"d-1","ts":-0,"seq":1,"readings":{"a":2}}'));
  return out;
}

describe(fastParseMessage.name, () => {
  it.each(fixturePayloads())('agrees with the zod schema on the fixture %s', (_name, payload) => {
    expectSameAsSchema(payload);
  });

  it('agrees with the zod schema on every mutation of a good message', () => {
    const inputs = mutations();
    expect(inputs.length).toBeGreaterThan(200);
    let answered = 0;
    for (const input of inputs) if (expectSameAsSchema(input)) answered++;
    // Most mutations are invalid; the valid ones must mostly take the fast path.
    expect(answered).toBeGreaterThan(20);
  });

  it('answers a well-formed message itself, with or without a signature', () => {
    expect(fastParseMessage(base)).not.toBeNull();
    expect(fastParseMessage((({ sig: _s, ...rest }) => rest)(base))).not.toBeNull();
  });
});

/**
 * The fast path may decline (null) anything, but what it returns must be what zod returns,
 * down to the key order (line protocol and canonical forms are built from these objects).
 */
function expectSameAsSchema(input: unknown): boolean {
  const fast = fastParseMessage(input);
  if (fast === null) return false;
  const zod = telemetryMessageSchema.safeParse(input);
  expect({ input, accepted: zod.success }).toEqual({ input, accepted: true });
  expect(fast).toStrictEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
  expect(Object.keys(fast)).toEqual(Object.keys(zod.data!));
  return true;
}

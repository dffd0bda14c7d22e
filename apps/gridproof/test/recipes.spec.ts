import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODELS, NOISE } from '@gridproof/firmware-sim';
import { CATALOGUE, DEVICE_TYPES, numericMetrics } from '@gridproof/telemetry';
import { DASHBOARDS, renderDashboard } from '../../../dashboards/src';

const ROOT = resolve(__dirname, '../../..');
const DEVELOPERS = readFileSync(join(ROOT, 'docs', 'developers.md'), 'utf8');

/** The text of a `##`/`###` section of docs/developers.md, up to the next heading of its level or higher. */
function section(heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const start = DEVELOPERS.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/developers.md has no "${heading}"`);
  const rest = DEVELOPERS.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

/** Keeps docs/developers.md's "Add a device type" recipe true: what a new type needs besides its catalogue entry. */
describe('recipe: add a device type', () => {
  it.each([...DEVICE_TYPES])('%s has a signal model with sensor noise for each numeric metric', (type) => {
    expect(typeof MODELS[type]).toBe('function');
    expect(Object.keys(NOISE[type])).toEqual(expect.arrayContaining(numericMetrics(type)));
  });

  it.each([...DEVICE_TYPES])("%s has its own dashboard and is charted on its family's dashboard", (type) => {
    expect(DASHBOARDS[`device-${type}.json`]).toBeDefined();
    const family = CATALOGUE[type].family;
    const board = DASHBOARDS[`${family}.json`];
    expect(board).toBeDefined();
    const json = renderDashboard(board());
    // A board of a one-type family reads the family's measurement; one of several names the type.
    const typesOfFamily = DEVICE_TYPES.filter((t) => CATALOGUE[t].family === family);
    if (typesOfFamily.length > 1) expect(json).toContain(`'${type}'`);
    else expect(json).toContain(`\\"${family}\\"`);
  });
});

describe('docs/developers.md', () => {
  it.each(['### Add a device type', '### Add an alert channel', '### Add a chain kind'])('"%s" names only files and folders that exist', (heading) => {
    const paths = [...section(heading).matchAll(/`((?:libs|apps|firmware-sim|dashboards|docs)\/[^`\s]*)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !p.includes('<') && !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('shows every lib in the layout and in the architecture diagram', () => {
    const libs = readdirSync(join(ROOT, 'libs'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const layout = section('## Layout: the folders tell the pipeline');
    const diagram = section('## Architecture: libs and ports');
    for (const lib of libs) {
      expect(layout).toContain(`libs/${lib}/`);
      if (lib !== 'testing') expect(diagram).toMatch(new RegExp(`(^|[\\s\\[(>\\x60-])(${lib === 'api-client' ? 'api-client|apiclient' : lib})([\\s\\]&|\\x60-]|$)`, 'm'));
    }
  });
});


import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import type { Dashboard, Panel } from '@grafana/schema';
import { CATALOGUE, DEVICE_TYPES } from '@gridproof/telemetry';
import { DASHBOARDS, INFLUX_DATASOURCE_UID, SCHEMA_VERSION, renderDashboard } from './index';
import { panelsOf, variablesOf } from './testing/grafana-macros';

const ROOT = join(__dirname, '..', '..');
const GENERATED = join(ROOT, 'dashboards', 'generated');
const built = Object.entries(DASHBOARDS).map(([file, build]) => [file, build()] as const);

/** Type-checks `files` (plus what they import) with the repository's compiler options. */
function typeErrors(files: string[], extra?: { name: string; text: string }): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const host = ts.createCompilerHost(config.options);
  if (extra) {
    const read = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === extra.name ? extra.text : read(f));
    host.fileExists = (f) => f === extra.name || ts.sys.fileExists(f);
    host.getSourceFile = (f, lang, ...rest) => (f === extra.name ? ts.createSourceFile(f, extra.text, lang) : getSourceFile(f, lang, ...rest));
  }
  const program = ts.createProgram([...files, ...(extra ? [extra.name] : [])], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('dashboards', () => {
  describe('type check against @grafana/schema', () => {
    const sources = [join(__dirname, 'index.ts'), join(__dirname, 'generate.ts')];

    it('compiles every dashboard builder as a Dashboard with typed panel options', () => {
      expect(typeErrors(sources)).toEqual([]);
    });

    it('rejects a dashboard that is not current Grafana JSON', () => {
      // The control for the test above: the same check catches a legacy shape.
      const bad = {
        name: join(__dirname, '__bad_dashboard.ts'),
        text: `import type { Dashboard } from '@grafana/schema';
               export const d: Dashboard = { schemaVersion: 6, rows: [], panels: [] };`,
      };
      expect(typeErrors([], bad).join('\n')).toMatch(/rows/);
    });
  });

  describe('committed JSON', () => {
    it.each(built.map(([file, d]) => [file, d] as const))('%s matches the generator output', (file, dashboard) => {
      expect(readFileSync(join(GENERATED, file), 'utf8')).toBe(renderDashboard(dashboard));
    });

    it('has no file the generator does not produce', () => {
      expect(readdirSync(GENERATED).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(DASHBOARDS).sort());
    });
  });

  describe.each(built.map(([file, d]) => [file, d] as const))('%s', (_file, dashboard: Dashboard) => {
    const panels = panelsOf(dashboard);

    it('is current Grafana JSON: recent schemaVersion, panels with gridPos, no legacy rows', () => {
      expect(dashboard.schemaVersion).toBe(SCHEMA_VERSION);
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(dashboard).not.toHaveProperty('rows');
      for (const p of dashboard.panels ?? []) expect(p.gridPos).toBeDefined();
    });

    it('uses only current panel plugins', () => {
      const legacy = panels.filter((p) => !['timeseries', 'stat', 'table', 'geomap', 'state-timeline'].includes(p.type));
      expect(legacy.map((p) => `${p.title}: ${p.type}`)).toEqual([]);
    });

    it('lays panels out on the 24-column grid without overlaps', () => {
      const cells = new Set<string>();
      for (const p of dashboard.panels ?? []) {
        const { x, y, w, h } = p.gridPos!;
        expect(x + w).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`)).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
      }
    });

    it('gives every panel a unique id', () => {
      const ids = (dashboard.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('reads InfluxDB through the provisioned datasource uid only', () => {
      const refs = [
        ...panels.flatMap((p: Panel) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
        ...variablesOf(dashboard).filter((v) => v.type === 'query').map((v) => v.datasource),
      ];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).toEqual({ type: 'influxdb', uid: INFLUX_DATASOURCE_UID });
    });

    it('sets a unit on every numeric panel', () => {
      const missing = panels
        .filter((p) => ['timeseries', 'stat'].includes(p.type))
        .filter((p) => !p.fieldConfig?.defaults.unit && !(p.fieldConfig?.overrides ?? []).some((o) => o.properties.some((q) => q.id === 'unit')))
        .filter((p) => !(p.fieldConfig?.defaults.mappings ?? []).length);
      expect(missing.map((p) => p.title)).toEqual([]);
    });

    it('links only to dashboards that exist, with variables they define', () => {
      const uids = new Map(built.map(([, d]) => [d.uid, new Set(variablesOf(d).map((v) => v.name))]));
      const urls = panels.flatMap((p) => [
        ...((p.fieldConfig?.defaults.links ?? []) as Array<{ url: string }>),
        ...(p.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((q) => q.id === 'links').flatMap((q) => q.value as Array<{ url: string }>)),
      ]);
      for (const { url } of urls) {
        // The open-alerts table links to the console with the URL the feed wrote for the alert.
        if (url === '${__data.fields.url}') continue;
        // A link to "the drill-down of this row's or series' type" stands for one per catalogue type.
        const expanded = /\$\{(?:__data\.fields\.type|__field\.labels\.type|type)\}/.test(url)
          ? DEVICE_TYPES.map((t) => url.replace(/\$\{(?:__data\.fields\.type|__field\.labels\.type|type)\}/, t))
          : [url];
        for (const one of expanded) {
          const m = /^\/d\/([\w-]+)\?var-(\w+)=/.exec(one);
          expect(m).not.toBeNull();
          expect(uids.get(m![1])?.has(m![2]!)).toBe(true);
        }
      }
    });
  });

  describe('device drill-downs', () => {
    /** Every metric or attribute name of the catalogue, of any type. */
    const catalogueNames = new Set(DEVICE_TYPES.flatMap((t) => [...Object.keys(CATALOGUE[t].metrics), ...Object.keys(CATALOGUE[t].attributes ?? {})]));
    /** Catalogue names a panel's queries select ("name" tokens). */
    const namesIn = (p: Panel) => new Set((p.targets ?? []).flatMap((t) => [...String((t as { query?: string }).query).matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]!)).filter((n) => catalogueNames.has(n)));

    it.each(DEVICE_TYPES.map((t) => [t]))('%s: one panel per metric of the type, and no panel of another type', (type) => {
      const dashboard = built.find(([file]) => file === `device-${type}.json`)![1];
      const own = new Set([...Object.keys(CATALOGUE[type].metrics), ...Object.keys(CATALOGUE[type].attributes ?? {})]);
      const panels = panelsOf(dashboard);
      const foreign = panels.flatMap((p) => [...namesIn(p)].filter((n) => !own.has(n)).map((n) => `${p.title}: ${n}`));
      expect(foreign).toEqual([]);
      for (const metric of Object.keys(CATALOGUE[type].metrics)) {
        // Exactly one panel reads the metric alone (other panels may combine it, e.g. PR).
        expect(panels.filter((p) => namesIn(p).size === 1 && namesIn(p).has(metric)).map((p) => p.title)).toHaveLength(1);
      }
      expect(dashboard.uid).toBe(`gridproof-device-${type}`);
      // No repeated "every field of the family" panel: the panels are the catalogue's.
      expect(panels.filter((p) => p.repeat)).toEqual([]);
    });

    it('keeps the generic device dashboard free of metric panels, linking to the type\'s drill-down instead', () => {
      const dashboard = built.find(([file]) => file === 'device.json')![1];
      expect(panelsOf(dashboard).flatMap((p) => [...namesIn(p)])).toEqual([]);
      expect(dashboard.links?.map((l) => l.url)).toContain('/d/gridproof-device-${type}?var-device=${device}');
    });
  });

  describe('provisioning', () => {
    it('provisions the InfluxDB datasource under the uid the panels use, with InfluxQL', () => {
      const file = parse(readFileSync(join(ROOT, 'dashboards', 'provisioning', 'datasources', 'gridproof.yaml'), 'utf8'));
      expect(file.datasources).toHaveLength(1);
      expect(file.datasources[0]).toMatchObject({ uid: INFLUX_DATASOURCE_UID, type: 'influxdb', jsonData: { version: 'InfluxQL' } });
    });

    it('provisions the dashboards folder from the path docker-compose.yml mounts the generated JSON at', () => {
      const file = parse(readFileSync(join(ROOT, 'dashboards', 'provisioning', 'dashboards', 'gridproof.yaml'), 'utf8'));
      const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
      const mounts: string[] = compose.services.grafana.volumes;
      expect(mounts).toContain(`./dashboards/generated:${file.providers[0].options.path}:ro`);
    });
  });
});

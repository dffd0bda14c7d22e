/**
 * The crew console end to end, in a real headless Chromium (Debian's, driven by playwright-core
 * with its executable path; no browser is downloaded). The whole app runs as in pipeline.int.spec.ts; devices
 * at two sites publish signed telemetry over MQTT, and the pipeline raises real alerts from it:
 * a heat-sink fault the detector scores (north-1) and over-temperature connectors (north-1 and
 * south-2). A crew key scoped to north-1 signs in, sees only north-1's alerts, opens the
 * anomaly, sees its evidence drawn, acknowledges and resolves it with notes, and silences its
 * site's connector alert. Each page is photographed into docs/img/ for docs/crews.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { DetectionService } from '@gridproof/detect';
import { E2eApp, E2eDevice, startE2eApp, waitFor } from './e2e-app';

// Debian's package (CI installs it, see .ci/run); the first one found is used.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const SCREENSHOTS = join(__dirname, '..', '..', '..', '..', 'docs', 'img');
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** What the functions that run in the page use of it (this tsconfig has no DOM types). */
interface InPage {
  sessionStorage: { getItem(key: string): string | null };
  localStorage: { length: number };
  location: { href: string };
  document: { cookie: string; activeElement: { textContent: string | null; id: string } | null; addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
}
interface InPageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

interface AlertJson {
  id: string;
  state: string;
  labels: Record<string, string>;
  ackNote: string | null;
  resolveNote: string | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  mutedBy: string | null;
}

if (!CHROMIUM) {
  console.warn('console.int.spec.ts skipped: no Chromium binary (apt-get install chromium); the console is not tested in a browser');
}
(CHROMIUM ? describe : describe.skip)('crew console in a headless browser', () => {
  let app: E2eApp;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  const problems: string[] = [];
  let crewKey: string;
  let anomaly: AlertJson;
  let northCharger: AlertJson;
  let southCharger: AlertJson;

  beforeAll(async () => {
    // The console as `npm run build` bundles it, from the current sources.
    consoleDir = mkdtempSync(join(tmpdir(), 'gp-console-'));
    const { buildConsole } = require('../../../../scripts/console-build.js') as { buildConsole(out: string): Promise<unknown> };
    const [started] = await Promise.all([startE2eApp({}, { consoleDir }), buildConsole(consoleDir)]);
    app = started;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in CI containers has no user namespace for Chromium's sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--hide-scrollbars'],
    });
    await seedAlerts();
    crewKey = (await app.api<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'north crew', role: 'crew', sites: ['north-1'] }) })).body.key;
    page = await browser.newPage({ viewport: DESKTOP });
    // CSP violations, script errors and failed requests all fail the test at the end.
    await page.addInitScript(() => {
      const { document } = globalThis as unknown as InPage;
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
  });

  /** Heat-sink fault on north-1's inverter (as pipeline.int.spec.ts), hot connectors at both sites. */
  async function seedAlerts(): Promise<void> {
    const [inverter, north, south] = await Promise.all([
      app.provision('inv-north-1', 'pv-inverter', 'north-1'),
      app.provision('evc-north-1', 'ev-charger', 'north-1'),
      app.provision('evc-south-1', 'ev-charger', 'south-2'),
    ]);
    const now = Date.now();
    const n = 360;
    const start = now - n * 60_000;
    // Published back to back (QoS 1 keeps their order on the connection), acknowledged together.
    const published: Array<Promise<void>> = [];
    for (let seq = 0; seq < n; seq++) {
      const wobble = Math.sin(seq / 7) * 0.4 + ((seq * 7919) % 13) / 26;
      const failed = seq >= n - 20;
      published.push(inverter.publish(seq, start + seq * 60_000, { ac_power_w: 4200 + wobble * 50, heatsink_temp_c: 45 + wobble + (failed ? 45 : 0), ambient_temp_c: 20 + wobble / 2 }));
    }
    await Promise.all(published);
    // 30 readings 30 s apart; the last 8 (4 minutes) above the 90 °C rule for 2 minutes.
    const hot = (device: E2eDevice) =>
      (async () => {
        const readings = Array.from({ length: 30 }, (_, seq) =>
          device.publish(seq, now - (30 - seq) * 30_000, { status: 'Charging', power_w: 10_800, connector_temp_c: seq >= 22 ? 95 + seq / 10 : 40 + seq / 5 }),
        );
        await Promise.all(readings);
      })();
    await Promise.all([hot(north), hot(south)]);
    await app.running.app.get(DetectionService).idle();
    const find = async (device: string, alertname: string) =>
      ((await app.api<AlertJson[]>(`/api/alerts?device=${device}`)).body ?? []).find((a) => a.labels.alertname === alertname);
    [anomaly, northCharger, southCharger] = await Promise.all([
      waitFor('the heat-sink anomaly alert', () => find('inv-north-1', 'DeviceAnomaly'), 30_000),
      waitFor("north-1's connector alert", () => find('evc-north-1', 'ConnectorOverTemp'), 30_000),
      waitFor("south-2's connector alert", () => find('evc-south-1', 'ConnectorOverTemp'), 30_000),
    ]);
  }

  async function shoot(name: string, viewport: { width: number; height: number } = DESKTOP, fullPage = false): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize(viewport);
    await page.evaluate('window.scrollTo(0, 0)');
    // Let layout, the chart's ResizeObserver and Pico's transitions settle.
    await new Promise((r) => setTimeout(r, 300));
    const path = join(SCREENSHOTS, `console-${name}.png`);
    await page.screenshot({ path, fullPage, type: 'png', animations: 'disabled' });
    expect(statSync(path).size).toBeLessThan(400_000);
  }

  /**
   * axe-core's WCAG 2.1 A and AA rules (labels, names, contrast, landmarks, ARIA) on the page as
   * it is now. The script goes in through the DevTools protocol (page.evaluate of a string), not
   * a <script>: the console's CSP would refuse that, as it should.
   */
  async function expectAccessible(what: string): Promise<void> {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const { axe } = globalThis as unknown as { axe: { run(options: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } };
      const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    expect({ page: what, violations }).toEqual({ page: what, violations: [] });
  }

  it('serves the console at / with a strict CSP, a no-cache page and immutable hashed assets', async () => {
    const res = await fetch(`${app.running.apiUrl}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style|style="/);
    const script = /src="(assets\/console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${app.running.apiUrl}/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The API is not the console's: Swagger UI keeps its own headers and the JSON routes answer as before.
    expect((await fetch(`${app.running.apiUrl}/api/health`)).headers.get('content-security-policy')).toBeNull();
  });

  it('signs a crew in with its key, kept in the tab session only', async () => {
    await page.goto(`${app.running.apiUrl}/`, { waitUntil: 'networkidle' });
    await page.waitForSelector('#api-key');
    await shoot('sign-in', PHONE);
    await expectAccessible('sign-in');
    await page.setViewportSize(DESKTOP);
    // A wrong key is refused with a message, and nothing is kept.
    await page.fill('#api-key', 'gpk_000000000000_' + 'A'.repeat(43));
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.$eval('[role=alert]', (e) => e.textContent)).toMatch(/not valid/);
    problems.splice(0); // the 401 of the wrong key is expected
    await page.fill('#api-key', crewKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.alerts tbody tr');
    const stored = await page.evaluate(() => {
      const { sessionStorage, localStorage, location, document } = globalThis as unknown as InPage;
      return { session: sessionStorage.getItem('gridproof.apiKey'), local: localStorage.length, url: location.href, cookie: document.cookie };
    });
    expect(stored).toEqual({ session: crewKey, local: 0, url: expect.not.stringContaining('gpk_'), cookie: '' });
    expect(await page.$eval('.who', (e) => e.textContent)).toMatch(/north crew \(crew, sites north-1\)/);
  });

  it("shows the crew only its site's alerts", async () => {
    // Keyboard first: the first Tab lands on the skip link, which jumps to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).toBe('main');
    await waitFor('both north-1 alerts listed', async () => (await page.$$('table.alerts tbody tr')).length >= 2, 10_000);
    const rows = await page.$$eval('table.alerts tbody tr', (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-alert-id'), site: tr.querySelector('[data-label=Site]')?.textContent })));
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([anomaly.id, northCharger.id]));
    expect(ids).not.toContain(southCharger.id);
    expect(rows.every((r) => r.site === 'north-1')).toBe(true);
    await shoot('inbox');
    await expectAccessible('inbox');
    await shoot('inbox-phone', PHONE);
    await expectAccessible('inbox on a phone');
    await page.setViewportSize(DESKTOP);
  });

  it('opens an alert and draws its evidence: the metric, the score and its threshold', async () => {
    await page.click(`tr[data-alert-id="${anomaly.id}"] a`);
    await page.waitForSelector('#alert-title');
    expect(page.url()).toContain(`#/alerts/${anomaly.id}`);
    await page.waitForSelector('.evidence-chart canvas');
    const plotted = Number(await page.$eval('.evidence-chart [data-points]', (e) => e.getAttribute('data-points')));
    expect(plotted).toBeGreaterThan(60); // an hour of one-minute readings, plus the scores
    // The canvas itself holds the curves: count pixels of the metric's blue and the score's orange.
    const inked = await page.$eval('.evidence-chart canvas', (c) => {
      const canvas = c as unknown as InPageCanvas;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const near = (i: number, rgb: number[]) => data[i + 3] > 200 && rgb.every((v, k) => Math.abs(data[i + k] - v) < 40);
      let metric = 0;
      let score = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (near(i, [0x15, 0x65, 0xc0])) metric++;
        if (near(i, [0xef, 0x6c, 0x00])) score++;
      }
      return { metric, score };
    });
    expect(inked.metric).toBeGreaterThan(100);
    expect(inked.score).toBeGreaterThan(20);
    expect(await page.$eval('.recommended', (e) => e.textContent)).toMatch(/fan|heat-sink|metric/i);
    expect(await page.$eval('#device-title + dl', (e) => e.textContent)).toMatch(/inv-north-1.*pv-inverter/);
    await shoot('alert', DESKTOP, true);
    await expectAccessible('alert');
    await shoot('alert-phone', PHONE);
    await page.setViewportSize(DESKTOP);
  });

  it('acknowledges and then resolves the alert with notes, as the crew', async () => {
    await page.fill('#note', 'on site at 14:00');
    // By keyboard: the actions are native buttons.
    await page.getByRole('button', { name: 'Acknowledge', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.alert-detail header .state-acknowledged');
    await page.fill('#note', 'fan replaced');
    await clickButton('Resolve');
    await page.waitForSelector('.alert-detail header .state-resolved');
    const stored = (await app.api<AlertJson>(`/api/alerts/${anomaly.id}`)).body;
    expect(stored).toMatchObject({ state: 'resolved', acknowledgedBy: 'north crew', ackNote: 'on site at 14:00', resolvedBy: 'north crew', resolveNote: 'fan replaced' });
    expect(await page.$eval('ol.history', (e) => e.textContent)).toMatch(/acknowledged by north crew.*on site at 14:00/s);
  });

  it('previews what a silence matches, creates one for its site and expires it', async () => {
    await page.click('nav a[href="#/silences"]');
    await page.waitForSelector('#silence-matchers');
    // Pre-filled with the crew's one site: it would mute both of north-1's open alerts (the hot
    // connector, and the inverter's heat-sink rule; the anomaly is resolved by now)...
    await page.waitForSelector('[data-testid=preview-count]:text-is("2")');
    expect(await page.inputValue('#silence-matchers')).toBe('site="north-1"\n');
    await page.focus('#silence-matchers');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('alertname="ConnectorOverTemp"');
    // ...and the connector's alone once narrowed to the alert name.
    await page.waitForSelector('[data-testid=preview-count]:text-is("1")');
    expect(await page.$eval('.preview', (e) => e.textContent)).toMatch(/over|connector/i);
    await page.fill('#silence-comment', 'connector swap this afternoon');
    await shoot('silences', DESKTOP, true);
    await expectAccessible('silences');
    await clickButton('Create silence');
    await page.waitForSelector('table.silences tbody tr');
    const silences = (await app.api<Array<{ id: string; createdBy: string; comment: string }>>('/api/silences')).body;
    const created = silences.find((s) => s.comment === 'connector swap this afternoon');
    expect(created).toMatchObject({ createdBy: 'north crew' });
    expect((await app.api<AlertJson>(`/api/alerts/${northCharger.id}`)).body.mutedBy).toBe(`silence:${created!.id}`);
    await shoot('silences-phone', PHONE);
    await page.setViewportSize(DESKTOP);
    // Expire it: the alert is no longer muted.
    await page.getByRole('button', { name: 'Expire silence connector swap this afternoon' }).click();
    await page.waitForSelector(`tr[data-silence-id="${created!.id}"] .silence-expired`);
    expect((await app.api<AlertJson>(`/api/alerts/${northCharger.id}`)).body.mutedBy).toBeNull();
  });

  it("lists the site's devices with status and last reading, and the anchoring status", async () => {
    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('table.devices tbody tr');
    // Last readings load after the list; "…" (muted) until each has.
    await page.waitForSelector('table.devices [data-label="Last reading"] .muted', { state: 'detached' });
    const devices = await page.$$eval('table.devices tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-device-id'), tr.querySelector('[data-label="Last reading"]')?.textContent]));
    expect(devices.map((d) => d[0]).sort()).toEqual(['evc-north-1', 'inv-north-1']);
    expect(devices.find((d) => d[0] === 'evc-north-1')![1]).toMatch(/connector_temp_c/);
    await shoot('devices');
    await expectAccessible('devices');
    await page.click('nav a[href="#/status"]');
    await page.waitForSelector('#anchor-title + dl');
    await waitFor('an anchored batch', async () => (await page.$eval('#anchor-title + dl', (e) => e.textContent))?.includes('block'), 20_000);
    await shoot('status');
    await expectAccessible('status');
  });

  it('had no CSP violation, script error or failed request, and signs out for good', async () => {
    expect(problems).toEqual([]);
    await clickButton('Sign out');
    await page.waitForSelector('#api-key');
    expect(await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('gridproof.apiKey'))).toBeNull();
  });

  it("shows an operator every site's alerts and runs the audit of the last hour", async () => {
    await page.fill('#api-key', app.adminKey);
    await page.keyboard.press('Enter');
    // Signed in again where the crew signed out (the status page); the inbox has every site.
    await page.click('nav a[href="#/alerts"]');
    await page.waitForSelector(`tr[data-alert-id="${southCharger.id}"]`);
    await page.click('nav a[href="#/status"]');
    await clickButton('Audit the last hour');
    const report = await page.waitForSelector('#audit-title ~ p[role=status]');
    // Every batch of the hour rebuilt from InfluxDB matches its root on the chain.
    expect(await report.textContent()).toMatch(/^[1-9]\d* batch(es)?, [1-9]\d* readings: [1-9]\d* verified, 0 failed/);
    await expectAccessible('status (operator)');
    expect(problems).toEqual([]);
  });

  const clickButton = (label: string) => page.getByRole('button', { name: label, exact: true }).click();
});

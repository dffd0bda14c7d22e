/**
 * Measures what one simulator process needs to drive a fleet with one MQTT connection per
 * device: memory and CPU, against a plain aedes broker in a separate process (so the numbers
 * are the simulator's own). Usage (after npm run build):
 *
 *   node dist/firmware-sim/bench/scale.js [fleet.yaml] [seconds] [speed]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet, startFleet } from '../src';

const BROKER = `
const { Aedes } = require(${JSON.stringify(require.resolve('aedes'))});
const net = require('node:net');
Aedes.createBroker().then((broker) => {
  let n = 0;
  broker.on('publish', (p, c) => { if (c) n++; });
  const server = net.createServer(broker.handle);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', () => process.send({ received: n }));
});`;

async function main(): Promise<void> {
  const fleetPath = process.argv[2] ?? join(__dirname, '../../../firmware-sim/fleets/fleet-10k.yaml');
  const seconds = Number(process.argv[3] ?? 60);
  const speed = Number(process.argv[4] ?? 1);
  const script = join(mkdtempSync(join(tmpdir(), 'gp-scale-')), 'broker.js');
  writeFileSync(script, BROKER);
  const broker = fork(script, [], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => broker.once('message', (m: { port: number }) => resolve(m.port)));
  const base = process.memoryUsage();
  const fleet = startFleet({
    fleet: loadFleet(fleetPath),
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    provision: async (req) => ({ username: req.id, password: 'bench', clientId: req.id }),
    statePath: null,
    speed,
    connectRatePerS: 2000,
  });
  const t0 = Date.now();
  await fleet.ready;
  console.log(`provisioned ${fleet.stats().devices} devices (keys generated) in ${Date.now() - t0} ms`);
  while (fleet.stats().connected < fleet.stats().devices) await new Promise((r) => setTimeout(r, 200));
  console.log(`connected in ${Date.now() - t0} ms`);
  const cpu0 = process.cpuUsage();
  const w0 = Date.now();
  const acked0 = fleet.stats().acked;
  let peakRss = 0;
  while (Date.now() - w0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const cpu = process.cpuUsage(cpu0);
  const wallS = (Date.now() - w0) / 1000;
  const s = fleet.stats();
  const mem = process.memoryUsage();
  const mb = (b: number) => (b / 1048576).toFixed(0);
  console.log(JSON.stringify({
    devices: s.devices,
    connected: s.connected,
    speed,
    wallSeconds: wallS,
    messagesPerSecond: Math.round((s.acked - acked0) / wallS),
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1e6 / wallS) * 100),
    rssMb: mb(mem.rss),
    peakRssMb: mb(peakRss),
    heapUsedMb: mb(mem.heapUsed),
    baselineRssMb: mb(base.rss),
    perDeviceKb: Math.round((mem.rss - base.rss) / 1024 / s.devices),
    buffered: s.buffered,
  }, null, 2));
  await fleet.stop();
  broker.kill();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

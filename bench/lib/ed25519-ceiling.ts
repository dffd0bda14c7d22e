import { Worker } from 'node:worker_threads';

/**
 * The machine's Ed25519 verification ceiling: one worker thread per core, each verifying the
 * same kind of message ingest verifies (a signed 8-field reading's canonical bytes) in a loop
 * for `ms`. Returns verifications/s over all threads and per thread.
 */
export async function measureEd25519Ceiling(threads: number, ms = 2_000): Promise<{ total: number; perThread: number[] }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { generateKeyPairSync, sign, verify } = require('node:crypto');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const data = Buffer.from(JSON.stringify({ device: 'inv-000001', readings: { ac_power_w: 4210.5, ac_voltage_v: 230.4, dc_current_a: 8.2, dc_voltage_v: 612.5, efficiency_pct: 97.1, grid_frequency_hz: 50.01, heatsink_temp_c: 45.2, irradiance_wm2: 650 }, seq: 123456, ts: 1795000000000 }));
    const sig = sign(null, data, privateKey);
    let n = 0;
    const end = Date.now() + workerData.ms;
    const start = Date.now();
    while (Date.now() < end) { for (let i = 0; i < 100; i++) verify(null, data, publicKey, sig); n += 100; }
    parentPort.postMessage((n * 1000) / (Date.now() - start));
  `;
  const perThread = await Promise.all(
    Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { ms } });
      w.once('message', (rate: number) => {
        resolve(rate);
        void w.terminate();
      });
      w.once('error', reject);
    })),
  );
  return { total: perThread.reduce((a, b) => a + b, 0), perThread };
}

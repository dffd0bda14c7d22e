import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerDevice, WorkerJob } from './publisher-worker';

export interface LoadResult {
  sent: number;
  acked: number;
  errors: number;
  /** Wall time from "go" until the last process finished publishing. */
  ms: number;
  /** Unix ms of "go". */
  startedAt: number;
  /** CPU the publisher processes used from "go" until they finished (all of them, ms). */
  cpuMs: number;
  /** With job.recordSendTimes: send time of each message by device, index seq - firstSeq. */
  sendTimes?: Record<string, number[]>;
}

/**
 * Splits devices over `processes` publisher processes, waits until every connection is up,
 * then starts them together and waits for all to finish.
 */
export async function runLoad(
  job: Omit<WorkerJob, 'devices' | 'topic'> & { topicPrefix?: string },
  devices: WorkerDevice[],
  processes: number,
  /** Called once every publisher is connected, right before the load starts. */
  onStart?: () => void,
): Promise<LoadResult> {
  const workerPath = join(__dirname, 'publisher-worker.js');
  const shares = Array.from({ length: processes }, (_, p) => devices.filter((_, i) => i % processes === p)).filter((s) => s.length);
  const children = shares.map(() => fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const connected = children.map(
    (child) =>
      new Promise<void>((resolve, reject) => {
        child.on('message', (m: { type: string; message?: string }) => {
          if (m.type === 'connected') resolve();
          if (m.type === 'error') reject(new Error(m.message));
        });
      }),
  );
  const done = children.map(
    (child) =>
      new Promise<Omit<LoadResult, 'startedAt'>>((resolve, reject) => {
        child.on('message', (m: { type: string } & Omit<LoadResult, 'startedAt'> & { message?: string }) => {
          if (m.type === 'done') resolve(m);
          if (m.type === 'error') reject(new Error(m.message));
        });
        child.once('exit', (code) => code && reject(new Error(`publisher exited with ${code}`)));
      }),
  );
  children.forEach((child, i) => child.send({ ...job, devices: shares[i] }));
  await Promise.all(connected);
  onStart?.();
  const start = Date.now();
  children.forEach((child) => child.send('go'));
  const results = await Promise.all(done);
  const ms = Date.now() - start;
  return {
    sent: results.reduce((a, r) => a + r.sent, 0),
    acked: results.reduce((a, r) => a + r.acked, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    cpuMs: results.reduce((a, r) => a + r.cpuMs, 0),
    ms,
    startedAt: start,
    sendTimes: job.recordSendTimes ? Object.assign({}, ...results.map((r) => r.sendTimes ?? {})) : undefined,
  };
}

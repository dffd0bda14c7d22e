/**
 * One connection-generator process for bench:connections: opens idle MQTT connections from
 * its own loopback source address (127.0.0.x, so each process has its own ~28k ephemeral
 * ports), sends a CONNECT (MQTT 3.1.1 §3.1) and waits for a CONNACK with return code 0.
 * Holds them until told to close. Raw sockets, so the generator stays small.
 */
import { connect, Socket } from 'node:net';
import { connectPacket } from '../../libs/testing/src/faults/fuzz-cases';

interface Job {
  port: number;
  localAddress: string;
  ids: number[];
  concurrency: number;
}

const sockets: Socket[] = [];

function open(job: Job, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: job.port, host: '127.0.0.1', localAddress: job.localAddress });
    socket.setNoDelay(true);
    let got = Buffer.alloc(0);
    socket.once('connect', () => socket.write(connectPacket(`conn-${i}`, `conn-${i}`, `secret-${i}`, 0)));
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4) return;
      socket.off('data', onData);
      if (got[0] !== 0x20 || got[3] !== 0) return reject(new Error(`conn-${i}: CONNACK ${got.subarray(0, 4).toString('hex')}`));
      sockets.push(socket);
      resolve();
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

process.on('message', (m: { type: 'open'; job: Job } | { type: 'close' }) => {
  if (m.type === 'close') {
    for (const s of sockets) s.destroy();
    process.send!({ type: 'closed' });
    return;
  }
  const { job } = m;
  let next = 0;
  const worker = async () => {
    while (next < job.ids.length) await open(job, job.ids[next++]);
  };
  Promise.all(Array.from({ length: job.concurrency }, worker)).then(
    () => process.send!({ type: 'opened', count: sockets.length }),
    (err: unknown) => process.send!({ type: 'error', message: (err as Error).message }),
  );
});

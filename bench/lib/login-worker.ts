/**
 * One login-generator process for bench:login-storm: from its own loopback source address,
 * sends one CONNECT (MQTT 3.1.1 §3.1) per credential, `concurrency` at a time, and records
 * each CONNACK's return code and how long it took. Holds accepted connections until told to
 * close (a login storm is devices staying connected). Raw sockets, so the generator is small.
 */
import { connect, Socket } from 'node:net';
import { connectPacket } from '../../libs/testing/src/faults/fuzz-cases';

interface Job {
  port: number;
  localAddress: string;
  logins: Array<{ id: string; password: string }>;
  concurrency: number;
}

const held: Socket[] = [];

function login(job: Job, who: { id: string; password: string }): Promise<{ code: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port: job.port, host: '127.0.0.1', localAddress: job.localAddress });
    socket.setNoDelay(true);
    let got = Buffer.alloc(0);
    let answered = false;
    const done = (code: number) => {
      if (answered) return;
      answered = true;
      socket.removeAllListeners('data');
      if (code === 0) held.push(socket);
      else socket.destroy();
      resolve({ code, ms: performance.now() - started });
    };
    socket.once('connect', () => socket.write(connectPacket(who.id, who.id, who.password, 0)));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 4) done(got[0] === 0x20 ? got[3] : -2);
    });
    socket.once('error', () => done(-1));
    socket.once('close', () => done(-1));
  });
}

process.on('message', (m: { type: 'login'; job: Job } | { type: 'close' }) => {
  if (m.type === 'close') {
    for (const s of held.splice(0)) s.destroy();
    process.send!({ type: 'closed' });
    return;
  }
  const { job } = m;
  const results: Array<{ code: number; ms: number }> = [];
  let next = 0;
  const worker = async () => {
    while (next < job.logins.length) results.push(await login(job, job.logins[next++]));
  };
  void Promise.all(Array.from({ length: job.concurrency }, worker)).then(() => process.send!({ type: 'done', results }));
});

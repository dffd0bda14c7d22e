import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';

/**
 * Debian's mosquitto on a loopback port, tuned so it does not drop QoS 1 messages (its default
 * queue limits do): max_queued_messages 0 and max_inflight_messages 0 (unlimited).
 */
export async function startMosquitto(port: number): Promise<{ url: string; pid: number | undefined; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'gp-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'max_inflight_messages 0', 'persistence false', 'log_type error', ''].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

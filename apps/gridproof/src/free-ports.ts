import { createServer } from 'node:net';
import type { GridProofConfig } from '@gridproof/config';

/**
 * Start-up checks every port this process will listen on before it opens anything: in issue 13
 * a taken chain port was noticed only after the SQL store had been opened. Each port is bound
 * and released at once; a port in use stops start-up with the variable that sets it.
 * Port 0 means "any free port" and needs no check.
 */
export function portsToListenOn(config: GridProofConfig): Array<{ host: string; port: number; variable: string }> {
  const ports = [
    { host: config.host, port: config.api.port, variable: 'GP_API_PORT' },
    { host: config.host, port: config.mqtt.port, variable: 'GP_MQTT_PORT' },
    { host: config.host, port: config.mqtt.wsPort, variable: 'GP_MQTT_WS_PORT' },
  ];
  if (config.mqtt.tls) ports.push({ host: config.host, port: config.mqtt.tls.port, variable: 'GP_MQTT_TLS_PORT' });
  // The embedded chain always serves loopback (libs/anchor).
  if (!config.chain.rpcUrl) ports.push({ host: '127.0.0.1', port: config.chain.embeddedRpcPort, variable: 'GP_CHAIN_EMBEDDED_PORT' });
  return ports.filter((p) => p.port !== 0);
}

export class PortInUseError extends Error {}

export async function assertPortsFree(config: GridProofConfig): Promise<void> {
  const taken: string[] = [];
  for (const { host, port, variable } of portsToListenOn(config)) {
    if (!(await canListen(host, port))) taken.push(`${host}:${port} (${variable})`);
  }
  if (taken.length) throw new PortInUseError(`port is in use: ${taken.join(', ')}; stop what holds it or set the variable to a free port. Nothing was opened.`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

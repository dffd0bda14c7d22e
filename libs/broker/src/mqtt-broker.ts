import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, IncomingMessage, Server as HttpServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, Server as TlsServer } from 'node:tls';
import { Aedes, AedesOptions } from 'aedes';
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws';
import { BrokerLogger } from './broker-logger';
import { BrokerMetrics } from './broker-metrics';
import { DEFAULT_MAX_OUTGOING_BYTES, limitOutgoingBytes } from './outgoing-budget';
import { limitPacketSize } from './packet-size-guard';

/** Path of MQTT over WebSocket, the one MQTT.js and most gateways use by default. */
export const MQTT_WS_PATH = '/mqtt';

export interface MqttBrokerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  wsPort: number;
  tls: { port: number; certPath: string; keyPath: string } | null;
  /** Largest MQTT packet a client may send; larger ones close that client. */
  maxPacketBytes: number;
  /** The device policy (authenticate, authorize*, ...), see DeviceHooks. */
  hooks: BrokerHooks;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** Milliseconds a new connection has to send CONNECT (default DEFAULT_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** Unsent bytes one client may have before it is closed as a slow consumer (default DEFAULT_MAX_OUTGOING_BYTES). */
  maxOutgoingBytes?: number;
}

/**
 * aedes waits 30 s by default for a CONNECT, and bytes trickling in do not extend it. A socket
 * that sends half a CONNECT (slow-loris) holds a file descriptor and a parser buffer (at most
 * the packet limit) until then; with the process's descriptor limit as the only bound, N such
 * sockets per timeout can keep devices out. 5 s is ample for a device on a slow link (CONNECT
 * is one small packet) and makes such an attacker open limit/5 sockets per second.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** What MqttBroker needs from a policy: hook functions for aedes, and its events once created. */
export interface BrokerHooks {
  aedesOptions(): AedesOptions;
  /** Called before the listeners open; returns the undo, called on close. */
  attach(aedes: Aedes): () => void;
  /** The broker is about to end every session because it is stopping. */
  beforeClose?(): void;
}

export interface BrokerPorts {
  tcp: number;
  ws: number;
  tls: number | null;
}

/**
 * The MQTT broker's transports: aedes on TCP, WebSocket (path /mqtt) and TLS when certificate
 * paths are configured, all bound to the configured host. It moves bytes and enforces the
 * packet size limit; who may do what is decided by the hooks it is given.
 */
export class MqttBroker {
  private readonly openConnections = new Set<Duplex>();
  private closing: Promise<void> | null = null;
  private detachHooks: () => void = () => undefined;

  private constructor(
    readonly aedes: Aedes,
    private readonly tcp: TcpServer,
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
    private readonly tls: TlsServer | null,
    readonly ports: BrokerPorts,
    private readonly options: MqttBrokerOptions,
  ) {}

  static async start(options: MqttBrokerOptions): Promise<MqttBroker> {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const aedes = await Aedes.createBroker({
      ...options.hooks.aedesOptions(),
      connectTimeout: connectTimeoutMs,
      // No cap on messages in flight in aedes's emitter (mqemitter). With a cap (default 100)
      // further messages wait in one shared queue: a few deliveries parked on a client that
      // stopped reading stalled every client, and messages queued for topics nobody is
      // subscribed to any more are released synchronously, one stack frame each, so a long
      // queue ended in "RangeError: Maximum call stack size exceeded" (issue #13, finding 1).
      // Deliveries no longer park (limitOutgoingBytes answers every write at once and bounds
      // the bytes per client instead), so each message is out of the emitter within a tick and
      // there is nothing for a cap to protect. (aedes also uses it as 2× the per-connection
      // listener limit; 0 lifts that warning limit too.)
      concurrency: 0,
      // A backstop only: with limitOutgoingBytes, aedes never waits for 'drain'.
      drainTimeout: connectTimeoutMs,
    });
    const detachHooks = options.hooks.attach(aedes);
    const tlsMaterial = options.tls ? { key: readFileSync(options.tls.keyPath), cert: readFileSync(options.tls.certPath) } : null;

    let accept: (conn: Duplex, req?: IncomingMessage) => void = () => undefined;
    const onSocket = (socket: Socket) => accept(socket);
    const tcp = createTcpServer({ noDelay: true }, onSocket);
    // The TLS handshake comes before aedes sees the socket: bound it the same way (Node: 120 s).
    const tls = tlsMaterial ? createTlsServer({ ...tlsMaterial, handshakeTimeout: connectTimeoutMs }, onSocket) : null;
    tls?.on('tlsClientError', () => options.metrics.clientErrors.inc({ reason: 'socket' }));
    // Likewise the HTTP upgrade request before MQTT over WebSocket starts. Node's own
    // headersTimeout is only checked every connectionsCheckingInterval, so a socket lived
    // between 1× and 2× the timeout (5-9 s for 5 s; issue #13, finding 7): each connection gets
    // its own timer instead, cleared once the upgrade to WebSocket is done (from then on it is
    // an MQTT connection, and aedes's connect timeout applies). headersTimeout stays a backstop.
    const http = createHttpServer({ headersTimeout: connectTimeoutMs, connectionsCheckingInterval: Math.min(30_000, connectTimeoutMs) }, (_req, res) =>
      res.writeHead(404).end('MQTT over WebSocket is at ' + MQTT_WS_PATH),
    );
    const upgradeDeadlines = new WeakMap<Duplex, NodeJS.Timeout>();
    http.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => {
        options.metrics.clientErrors.inc({ reason: 'connect_timeout' });
        socket.destroy();
      }, connectTimeoutMs);
      upgradeDeadlines.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    });
    http.on('clientError', (_err, socket: Duplex) => socket.destroy());
    // maxPayload bounds one WebSocket message; the packet guard below bounds MQTT packets
    // that span several messages.
    const wss = new WebSocketServer({ server: http, path: MQTT_WS_PATH, maxPayload: options.maxPacketBytes, perMessageDeflate: false });
    wss.on('error', (err) => options.logger.error(`MQTT WebSocket server error: ${err.message}`));

    try {
      const tcpPort = await listen(tcp, options.host, options.port, options.logger);
      const wsPort = await listen(http, options.host, options.wsPort, options.logger);
      const tlsPort = tls && options.tls ? await listen(tls, options.host, options.tls.port, options.logger) : null;
      const broker = new MqttBroker(aedes, tcp, http, wss, tls, { tcp: tcpPort, ws: wsPort, tls: tlsPort }, options);
      broker.detachHooks = detachHooks;
      accept = (conn, req) => broker.accept(conn, req);
      wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
        clearTimeout(upgradeDeadlines.get(req.socket));
        broker.accept(createWebSocketStream(ws), req, ws);
      });
      return broker;
    } catch (err) {
      tcp.close();
      http.close();
      tls?.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      detachHooks();
      throw err;
    }
  }

  private accept(conn: Duplex, req?: IncomingMessage, ws?: WebSocket): void {
    if (this.closing) {
      conn.destroy();
      return;
    }
    this.openConnections.add(conn);
    this.options.metrics.connections.inc();
    const closed = () => {
      if (!this.openConnections.delete(conn)) return;
      this.options.metrics.connections.dec();
    };
    conn.once('close', closed);
    ws?.once('close', closed);
    limitPacketSize(conn, this.options.maxPacketBytes);
    limitOutgoingBytes(conn, this.options.maxOutgoingBytes ?? DEFAULT_MAX_OUTGOING_BYTES);
    this.aedes.handle(conn, req);
  }

  /** Stops accepting, ends every session (their wills fire), then closes the listeners. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.options.hooks.beforeClose?.();
    const stopped = [closeServer(this.tcp), closeServer(this.http), ...(this.tls ? [closeServer(this.tls)] : [])];
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    // Connections that never authenticated are not aedes clients; end them too.
    for (const conn of this.openConnections) conn.destroy();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await Promise.all(stopped);
    this.detachHooks();
  }
}

/** Pending connections the kernel may queue for accept(); see listen(). */
const LISTEN_BACKLOG = 4096;

function listen(server: TcpServer | HttpServer | TlsServer, host: string, port: number, logger: BrokerLogger): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A reconnect storm sends thousands of SYNs at once; Node's default accept queue (511)
    // overflows and the kernel drops SYNs, which clients resend after 1, 3, 7, 15, 31 s
    // (measured by bench:login-storm: a p99 login of 31 s). The kernel caps this at
    // net.core.somaxconn (4096 on current Linux).
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      // Once listening, an 'error' (EMFILE, ...) without a listener would throw and take the
      // process down; log it and keep serving the connections that are open.
      server.on('error', (err) => logger.error(`MQTT listener on ${host}:${port}: ${err.message}`));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: TcpServer | HttpServer | TlsServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

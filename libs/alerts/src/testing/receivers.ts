import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { freePort } from '@gridproof/testing';

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

type Behaviour = (req: IncomingMessage, res: ServerResponse, count: number) => void;

/**
 * A real HTTP server standing in for crews' webhook endpoints. Each path has a behaviour:
 * answer 200 (default), fail N times with 500, or hang until the server closes.
 */
export class TestHttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TestHttpReceiver> {
    const port = await freePort();
    let self: TestHttpReceiver | null = null;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    self = new TestHttpReceiver(server, `http://127.0.0.1:${port}`);
    return self;
  }

  failTimes(path: string, times: number): void {
    this.behaviours.set(path, (_req, res, count) => {
      if (count <= times) res.writeHead(500).end('receiver is down');
      else res.writeHead(200).end('ok');
    });
  }

  hang(path: string): void {
    this.behaviours.set(path, (_req, res) => this.hanging.add(res));
  }

  /** Requests to `path` whose notification holds an alert with this label value. */
  to(path: string, label?: [string, string]): ReceivedRequest[] {
    return this.requests.filter(
      (r) => r.path === path && (!label || ((r.body.alerts as Array<{ labels: Record<string, string> }>) ?? []).some((a) => a.labels[label[0]] === label[1])),
    );
  }

  openHangingRequests(): number {
    return [...this.hanging].filter((res) => !res.writableEnded && !res.destroyed).length;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const count = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, count);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { raw: Buffer.concat(chunks).toString('utf8') };
      }
      this.requests.push({ path, body, at: Date.now() });
      (this.behaviours.get(path) ?? ((_q, s) => s.writeHead(200).end('ok')))(req, res, count);
    });
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  subject: string;
  raw: string;
}

/** A real SMTP server (smtp-server) requiring AUTH, as a crew's mail relay would. */
export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(user: string, pass: string): Promise<TestSmtpServer> {
    const port = await freePort();
    let self: TestSmtpServer | null = null;
    const server = new SMTPServer({
      logger: false,
      // No TLS in the test: STARTTLS is off and plain AUTH is allowed on loopback only.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === user && auth.password === pass) cb(null, { user });
        else cb(new Error('invalid credentials'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\r?\n[ \t]/g, ' ') ?? '';
          self!.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            subject,
            raw,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    self = new TestSmtpServer(server, port);
    return self;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

import type { Client } from 'pg';

/**
 * Receives a payload for every NOTIFY on the channel, or null when notifications may have been
 * missed (the listening connection was lost and is back): the subscriber must then re-read what
 * it caches.
 */
export type ChangeHandler = (payload: string | null) => void;

export interface ChangeSubscription {
  close(): Promise<void>;
}

export interface ChangeFeedLogger {
  warn(message: string): void;
}

const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** LISTEN takes an identifier, not a parameter: only plain lower-case names are accepted. */
export function assertChannelName(channel: string): void {
  if (!CHANNEL_PATTERN.test(channel)) throw new Error(`invalid notification channel name: ${JSON.stringify(channel)}`);
}

/**
 * Postgres LISTEN on a dedicated connection (a pooled one would be handed to other queries and
 * lose the registration). The connection is re-opened with capped exponential backoff when it
 * drops; after each re-open the handler gets null, because NOTIFYs sent while it was away are
 * not queued for it (PostgreSQL delivers only to sessions listening at commit time).
 */
export class PostgresChangeFeed implements ChangeSubscription {
  private client: Client | null = null;
  private closed = false;
  private retryMs = 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handler: ChangeHandler,
    private readonly logger: ChangeFeedLogger,
  ) {}

  static async open(url: string, channel: string, handler: ChangeHandler, logger: ChangeFeedLogger): Promise<PostgresChangeFeed> {
    assertChannelName(channel);
    const feed = new PostgresChangeFeed(url, channel, handler, logger);
    // The first connection must work: a bad URL is a start-up error, not a retry loop.
    await feed.connect();
    return feed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.handler(msg.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: Client, why: string): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.logger.warn(`change feed ${this.channel}: ${why}; reconnecting`);
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.retryMs = Math.min(Math.max(this.retryMs * 2, 100), 10_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.retryMs = 0;
          this.handler(null);
        },
        (err: unknown) => {
          if (this.closed) return;
          this.logger.warn(`change feed ${this.channel}: reconnect failed (${(err as Error).message}); retrying`);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }
}

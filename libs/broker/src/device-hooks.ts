import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes, AedesOptions, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { AuthFailureReason, LoginFailureReason, PipelineEvents } from '@gridproof/events';
import { TokenBuckets } from '@gridproof/ingest';
import type { TelemetrySink, IngestOutcome } from '@gridproof/ingest';
import { toDeviceRef, type ApiCaller, type DeviceDirectory, type RegisteredDevice } from '@gridproof/registry';
import { DEVICE_ID_PATTERN, logSafe, logSafeName, topics } from '@gridproof/telemetry';
import { BrokerLogger, ThrottledWarnings } from './broker-logger';
import { BrokerMetrics } from './broker-metrics';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, LoginThrottleOptions } from './login-throttle';
import { CREW_CLIENT_ID, CREW_ROLES, CREW_USERNAME, crewMaySubscribe, maySubscribe, publishChannel, STATUS_OFFLINE, STATUS_ONLINE } from './device-access';
import { isBackedUp, SlowConsumerError } from './outgoing-budget';
import { PacketTooLargeError } from './packet-size-guard';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 that a refused login can get. */
const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** Error replies one device gets per second on average, and at most in a row. */
const ERROR_REPLIES_PER_S = 10;
const ERROR_REPLY_BURST = 100;
/** Distinct source addresses named in the login failure counter; the rest count as "other". */
const MAX_ADDRESS_LABELS = 100;

/**
 * An error the broker raises on purpose to drop a client (a refused publish, a failed ingest).
 * Already counted where it is raised, so the clientError listener does not count it again.
 */
export class BrokerRefusal extends Error {
  override readonly name = 'BrokerRefusal';
}

/** The body of a message on a device's errors topic. */
export interface DeviceErrorMessage {
  reason: string;
  detail: string;
  /** The rejected message's sequence number, when the payload was JSON with a usable seq. */
  seq?: number;
  /** Broker time of the rejection, Unix ms. */
  ts: number;
}

export interface DeviceHooksOptions {
  directory: DeviceDirectory;
  sink: TelemetrySink;
  events: PipelineEvents;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** A login not decided within this is refused (CONNACK 3); the CONNECT timeout. */
  connectTimeoutMs: number;
  loginThrottle?: LoginThrottleOptions;
  /** Enables crew app logins (user name `apikey`); without it they are refused. */
  apiKeys?: ApiKeyVerifier;
  /** How often crew sessions are checked against their key (a revocation by another process); default 60 s. */
  crewKeyRecheckMs?: number;
}

/** What crew logins need from the API keys (the registry's ApiKeys implements it). */
export interface ApiKeyVerifier {
  verify(key: string): Promise<ApiCaller | null>;
  /** Whether the key with this id is still valid (not revoked, not deleted). */
  isActive?(id: string): Promise<boolean>;
  /** Notified at once when a key is revoked in this process. */
  onRevoked?(listener: (id: string) => void): () => void;
}


type RoutePublish = (packet: PublishPacket, client: Client | null | ((err?: Error) => void), done?: (err?: Error) => void) => void;

/**
 * The device policy of the broker, as the hook functions aedes calls: who may connect, what a
 * device may publish and subscribe to, and what happens to telemetry. The broker core knows
 * nothing about devices; MqttBroker only moves bytes.
 *
 * Telemetry is consumed here, not routed: the payload goes to the TelemetrySink and the hook's
 * callback (after which aedes writes the QoS 1 PUBACK, lib/handlers/publish.js) runs only once
 * the sink's promise settles. A pending sink therefore holds that device's PUBACKs and, since
 * aedes reads a connection's next chunk only when every packet of the previous one is handled,
 * stops reading from that device's socket; other connections are independent. Telemetry is not
 * forwarded to MQTT subscribers (no device may subscribe to telemetry; consumers read InfluxDB,
 * the API or PipelineEvents), which saves aedes its routing work per message.
 */
export class DeviceHooks {
  private readonly sessions = new WeakMap<Client, RegisteredDevice>();
  /** Registry changes seen per device, to catch a change that lands while a login is in flight. */
  private readonly changes = new Map<string, number>();
  private readonly loginGeneration = new WeakMap<Client, number>();
  private readonly online = new Map<string, Client>();
  private readonly willRefused = new WeakSet<Client>();
  private readonly willPublished = new WeakSet<Client>();
  /** Packets handled here that aedes must not route to subscribers. */
  private readonly consumed = new WeakSet<object>();
  private readonly warnings: ThrottledWarnings;
  /** Error replies per device: a device that floods invalid messages gets a sample, not one each. */
  private readonly errorReplies = new TokenBuckets(ERROR_REPLIES_PER_S, ERROR_REPLY_BURST);
  private readonly throttle: LoginThrottle;
  private readonly addressLabels = new Set<string>();
  /** Crew app sessions (read-only alert subscribers) and the API key each logged in with. */
  private readonly crews = new WeakMap<Client, ApiCaller>();
  /** Registered crew sessions, to end them when their key is revoked. */
  private readonly crewSessions = new Set<Client>();
  private shuttingDown = false;
  private aedes: Aedes | null = null;

  constructor(private readonly options: DeviceHooksOptions) {
    this.warnings = new ThrottledWarnings(options.logger);
    this.throttle = new LoginThrottle(options.loginThrottle ?? DEFAULT_LOGIN_THROTTLE);
  }

  /** The hooks to pass to Aedes.createBroker. */
  aedesOptions(): Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>> {
    return {
      preConnect: (client, packet, callback) => {
        this.checkWill(client, packet);
        callback(null, true);
      },
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, subscription, callback) => this.authorizeSubscribe(client, subscription, callback),
    };
  }

  /** Connects the hooks to the broker's events and the registry; returns the undo. */
  attach(aedes: Aedes): () => void {
    this.aedes = aedes;
    const route = aedes.publish.bind(aedes) as RoutePublish;
    const consumed = this.consumed;
    (aedes as unknown as { publish: RoutePublish }).publish = function publish(packet, client, done) {
      if (consumed.has(packet)) {
        const callback = typeof client === 'function' ? client : done;
        callback?.();
        return;
      }
      route(packet, client, done);
    };
    // 'client' fires when the session is registered, before the CONNACK goes out, so a device
    // counts as online by the time it learns it is connected.
    aedes.on('client', (client) => this.onReady(client));
    aedes.on('clientDisconnect', (client) => this.onGone(client));
    aedes.on('clientError', (client, err) => this.onClientError(client, err));
    aedes.on('connectionError', (client, err) => this.onClientError(client, err));
    // aedes emits 'error' for persistence failures; without a listener EventEmitter throws.
    (aedes as unknown as EventEmitter).on('error', (err: Error) => this.options.logger.error(`MQTT broker error: ${err.stack ?? err.message}`));
    const unsubscribe = this.options.directory.onChange((deviceId) => this.onDeviceChanged(deviceId));
    aedes.on('clientDisconnect', (client) => this.crewSessions.delete(client));
    const unsubscribeKeys = this.options.apiKeys?.onRevoked?.((keyId) => this.endCrewSessions((caller) => caller.id === keyId)) ?? (() => undefined);
    const recheck = setInterval(() => void this.recheckCrewKeys(), this.options.crewKeyRecheckMs ?? 60_000);
    recheck.unref();
    return () => {
      unsubscribe();
      unsubscribeKeys();
      clearInterval(recheck);
      this.aedes = null;
    };
  }

  /** Ids of the devices with an authenticated session right now. */
  onlineDevices(): string[] {
    return [...this.online.keys()];
  }

  // --- connect --------------------------------------------------------------------------

  /**
   * A device's last will may only be its own status topic, and is always the retained
   * "offline" the status contract promises; a device that sets none gets that one.
   */
  private checkWill(client: Client, packet: ConnectPacket): void {
    // A crew app has no status topic: it gets no will (and it may not publish one).
    if (CREW_CLIENT_ID.test(packet.clientId)) {
      packet.will = undefined;
      return;
    }
    const own = topics.status(packet.clientId);
    if (packet.will && packet.will.topic !== own) {
      this.willRefused.add(client);
      return;
    }
    packet.will = { topic: own, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true };
  }

  private authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const claimedId = username ?? '';
    const address = sourceAddressOf(client);
    let answered = false;
    // Set once the check starts; refusals before that have no timer to clear.
    const deadline: { timer?: NodeJS.Timeout; end?: () => void } = {};
    const refuse = (code: number, reason: LoginFailureReason | 'directory_unavailable', why: string) => {
      if (answered) return;
      answered = true;
      clearTimeout(deadline.timer);
      deadline.end?.();
      this.options.metrics.authFailures.inc({ reason });
      // A directory outage is the service's failure, not the client's: metric and log only.
      if (reason !== 'directory_unavailable') {
        this.options.metrics.loginFailuresByAddress.inc({ address: this.addressLabel(address) });
        if (reason !== 'throttled' && reason !== 'login_timeout') this.throttle.failed(address, DEVICE_ID_PATTERN.test(claimedId) ? claimedId : null);
        this.options.events.emit('loginFailure', { address, claimedId, reason, at: Date.now() });
      }
      this.warnings.warn(`refused MQTT login of ${logSafeName(claimedId)} from ${address} (client id ${logSafeName(client.id)}): ${why}`);
      // A BrokerRefusal, so the clientError aedes raises after the CONNACK is not counted twice.
      done(Object.assign(new BrokerRefusal(why), { returnCode: code }) as AuthenticateError, false);
    };
    if (!claimedId || !password || password.length === 0) return refuse(CONNACK.badUserNameOrPassword, 'bad_credentials', 'no user name or password');
    if (claimedId === CREW_USERNAME) return this.authenticateCrew(client, address, password.toString('utf8'), refuse, done);
    if (!DEVICE_ID_PATTERN.test(claimedId)) return refuse(CONNACK.badUserNameOrPassword, 'unknown_device', 'user name is not a device id');
    const blockedBy = this.throttle.check(address, claimedId);
    // 3 = server unavailable: a well-behaved client backs off and tries again later.
    if (blockedBy) return refuse(CONNACK.serverUnavailable, 'throttled', `too many refused logins ${blockedBy === 'address' ? 'from this address' : 'for this device id'}; try again later`);
    // One session per device: the client id is the device id, so a second login takes the
    // first session over [MQTT-3.1.4-2] instead of running beside it.
    if (client.id !== claimedId) return refuse(CONNACK.identifierRejected, 'client_id_mismatch', 'client id must equal the user name (device id)');
    if (this.willRefused.has(client)) return refuse(CONNACK.notAuthorized, 'will_denied', 'last will must be on the device\'s own status topic');

    // aedes's connect timeout ends when the CONNECT has arrived; this one bounds the check
    // itself, so a slow registry cannot hold sockets (and descriptors) for longer.
    deadline.end = this.throttle.begin(address);
    deadline.timer = setTimeout(() => refuse(CONNACK.serverUnavailable, 'login_timeout', `login not decided within ${this.options.connectTimeoutMs} ms`), this.options.connectTimeoutMs);
    this.loginGeneration.set(client, this.changes.get(claimedId) ?? 0);
    this.options.directory.authenticate(claimedId, password.toString('utf8')).then(
      (result) => {
        if (answered) return;
        if (!result.ok) {
          const code = result.reason === 'disabled' ? CONNACK.notAuthorized : CONNACK.badUserNameOrPassword;
          return refuse(code, result.reason, result.reason.replace('_', ' '));
        }
        answered = true;
        clearTimeout(deadline.timer);
        deadline.end?.();
        this.throttle.succeeded(address, claimedId);
        this.sessions.set(client, result.device);
        done(null, true);
      },
      (err: unknown) => {
        this.options.logger.error(`device directory failed while authenticating ${logSafeName(claimedId)}: ${logSafe((err as Error).message)}`);
        refuse(CONNACK.serverUnavailable, 'directory_unavailable', 'device directory unavailable');
      },
    );
  }

  /**
   * A crew app: user name `apikey`, an API key of a crew, operator or admin as password, a
   * client id `crew:<name>`. It may subscribe to site alert topics only (crewMaySubscribe).
   * Checked with the same throttle and deadline as devices, by address only (there is no
   * device id to protect).
   */
  private authenticateCrew(
    client: Client,
    address: string,
    key: string,
    refuse: (code: number, reason: LoginFailureReason | 'directory_unavailable', why: string) => void,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const apiKeys = this.options.apiKeys;
    if (!apiKeys) return refuse(CONNACK.badUserNameOrPassword, 'bad_credentials', 'crew logins are not enabled');
    if (this.throttle.check(address, CREW_USERNAME)) return refuse(CONNACK.serverUnavailable, 'throttled', 'too many refused logins from this address; try again later');
    if (!CREW_CLIENT_ID.test(client.id)) return refuse(CONNACK.identifierRejected, 'client_id_mismatch', 'a crew app\'s client id must be crew:<name>');
    const end = this.throttle.begin(address);
    let decided = false;
    const timer = setTimeout(() => {
      decided = true;
      end();
      refuse(CONNACK.serverUnavailable, 'login_timeout', `login not decided within ${this.options.connectTimeoutMs} ms`);
    }, this.options.connectTimeoutMs);
    apiKeys.verify(key).then(
      (caller) => {
        if (decided) return;
        decided = true;
        clearTimeout(timer);
        end();
        if (!caller) return refuse(CONNACK.badUserNameOrPassword, 'bad_credentials', 'unknown or revoked API key');
        if (!CREW_ROLES.includes(caller.role)) return refuse(CONNACK.notAuthorized, 'disabled', `an API key of role ${caller.role} may not follow alerts`);
        this.crews.set(client, caller);
        done(null, true);
      },
      (err: unknown) => {
        if (decided) return;
        decided = true;
        clearTimeout(timer);
        end();
        this.options.logger.error(`API key check failed for a crew login: ${logSafe((err as Error).message)}`);
        refuse(CONNACK.serverUnavailable, 'directory_unavailable', 'API keys unavailable');
      },
    );
  }

  /**
   * The address label of the per-address failure counter: the first MAX_ADDRESS_LABELS
   * addresses by name, the rest as "other", so an attacker with many addresses cannot grow
   * the metrics registry without bound.
   */
  private addressLabel(address: string): string {
    if (this.addressLabels.has(address)) return address;
    if (this.addressLabels.size >= MAX_ADDRESS_LABELS) return 'other';
    this.addressLabels.add(address);
    return address;
  }

  /** Ends the crew sessions whose key matches: a revoked key stops receiving alerts at once. */
  private endCrewSessions(matches: (caller: ApiCaller) => boolean): void {
    for (const client of this.crewSessions) {
      const caller = this.crews.get(client);
      if (!caller || !matches(caller)) continue;
      this.crewSessions.delete(client);
      this.warnings.warn(`ended crew app session ${logSafeName(client.id)}: its API key ${caller.id} was revoked`);
      client.close();
    }
  }

  /** Revocations made by another GridProof process reach this one within crewKeyRecheckMs. */
  private async recheckCrewKeys(): Promise<void> {
    const apiKeys = this.options.apiKeys;
    if (!apiKeys?.isActive || this.crewSessions.size === 0) return;
    const ids = new Set([...this.crewSessions].map((c) => this.crews.get(c)?.id).filter((id): id is string => Boolean(id)));
    for (const id of ids) {
      const active = await apiKeys.isActive(id).catch(() => true); // an unreachable store ends nobody's session
      if (!active) this.endCrewSessions((caller) => caller.id === id);
    }
  }

  private onReady(client: Client): void {
    if (this.crews.has(client)) this.crewSessions.add(client);
    const device = this.sessions.get(client);
    if (!device) return;
    if ((this.changes.get(device.id) ?? 0) !== this.loginGeneration.get(client)) {
      // Disabled or re-keyed while its login was being checked: the record it holds is stale.
      // Closed on the next turn, once aedes has finished registering the session.
      setImmediate(() => client.close());
      return;
    }
    this.online.set(device.id, client);
    this.options.metrics.devicesOnline.set(this.online.size);
    this.publishStatus(device.id, STATUS_ONLINE);
    this.touch(device.id);
    this.options.events.emit('connectivity', { device: toDeviceRef(device), online: true, at: Date.now(), cause: 'connect' });
  }

  beforeClose(): void {
    this.shuttingDown = true;
  }

  private onGone(client: Client): void {
    const device = this.sessions.get(client);
    if (!device || this.online.get(device.id) !== client) return;
    this.online.delete(device.id);
    this.options.metrics.devicesOnline.set(this.online.size);
    // A session the broker ends because GridProof stops is not a lost device (no offline alert).
    const cause = this.shuttingDown ? 'shutdown' : this.willPublished.has(client) ? 'will' : 'disconnect';
    // A DISCONNECT packet discards the will [MQTT-3.1.2-10], so say "offline" ourselves.
    if (cause === 'disconnect') this.publishStatus(device.id, STATUS_OFFLINE);
    this.touch(device.id);
    this.options.events.emit('connectivity', { device: toDeviceRef(device), online: false, at: Date.now(), cause });
  }

  private onDeviceChanged(deviceId: string): void {
    this.changes.set(deviceId, (this.changes.get(deviceId) ?? 0) + 1);
    const client = this.online.get(deviceId);
    if (!client) return;
    // Disabled, deleted, or new credentials or key: the session was authorised with the old
    // record, so end it; the device logs in again (and a disabled one is refused).
    this.options.logger.log(`device ${deviceId} changed in the registry: closing its MQTT connection`);
    client.close();
  }

  private onClientError(client: Client, err: Error): void {
    if (err instanceof BrokerRefusal) return;
    const reason = classifyClientError(err);
    this.options.metrics.clientErrors.inc({ reason });
    this.warnings.warn(`closed MQTT connection of ${logSafeName(client.id)} (${reason}): ${logSafe(err.message)}`);
  }

  // --- publish --------------------------------------------------------------------------

  private authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    if (!client) {
      // aedes publishes wills left by an earlier broker process without a client.
      return callback(publishChannelOfAny(packet.topic) === 'status' ? null : new BrokerRefusal('not a will'));
    }
    const device = this.sessions.get(client);
    if (!device) {
      if (this.crews.has(client)) {
        // Crew apps only listen; MQTT 3.1.1 has no negative PUBACK, so the refusal closes it.
        this.options.metrics.authFailures.inc({ reason: 'topic_denied' });
        this.warnings.warn(`refused publish to ${logSafeName(packet.topic)} by crew app ${logSafeName(client.id)}`);
        return callback(new BrokerRefusal('crew apps may not publish'));
      }
      return callback(new BrokerRefusal('publish before authentication'));
    }
    const channel = publishChannel(device.id, packet.topic);
    if (channel === null) {
      this.deny(device.id, 'topic_denied', `publish to ${logSafeName(packet.topic)}`);
      // MQTT 3.1.1 has no negative PUBACK: closing the connection is the only refusal.
      return callback(new BrokerRefusal(`${device.id} may not publish to ${packet.topic}`));
    }
    if (client.closed) {
      // The connection is gone and aedes is publishing the will (lib/client.js close()).
      this.willPublished.add(client);
      return callback(null);
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (channel === 'status') return this.onStatus(device, packet, payload, callback);
    this.onTelemetry(device, packet, payload, callback);
  }

  private onStatus(device: RegisteredDevice, packet: PublishPacket, payload: Buffer, callback: (error?: Error | null) => void): void {
    const text = payload.toString('utf8');
    if (text !== STATUS_ONLINE && text !== STATUS_OFFLINE) {
      this.consumed.add(packet);
      this.options.metrics.clientErrors.inc({ reason: 'bad_status' });
      this.publishError(device.id, { reason: 'bad_status', detail: `status must be "${STATUS_ONLINE}" or "${STATUS_OFFLINE}"`, ts: Date.now() });
      return callback(null);
    }
    packet.retain = true;
    this.options.events.emit('connectivity', { device: toDeviceRef(device), online: text === STATUS_ONLINE, at: Date.now(), cause: 'status' });
    callback(null);
  }

  private onTelemetry(device: RegisteredDevice, packet: PublishPacket, payload: Buffer, callback: (error?: Error | null) => void): void {
    this.consumed.add(packet);
    const receivedAt = Date.now();
    this.touch(device.id, receivedAt);
    let outcome: Promise<IngestOutcome>;
    try {
      outcome = this.options.sink.submit(device, payload, receivedAt);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome
      .then(
        (result) => {
          if (!result.accepted) {
            this.publishError(device.id, { reason: result.reason, detail: result.detail, ...(result.seq === undefined ? {} : { seq: result.seq }), ts: Date.now() });
          }
          callback(null);
        },
        (err: unknown) => {
          // Not acknowledged: the device keeps the message and sends it again on its next
          // session (MQTT 3.1.1 §4.4); dropping the connection is what makes that happen soon.
          this.options.metrics.sinkFailures.inc();
          this.options.logger.error(`ingest failed on a message of ${device.id}; not acknowledged, closing its connection: ${(err as Error)?.message ?? err}`);
          callback(new BrokerRefusal('ingest failed'));
        },
      )
      .catch((err: unknown) => this.options.logger.error(`MQTT acknowledgement for ${device.id} failed: ${(err as Error)?.message ?? err}`));
  }

  // --- subscribe ------------------------------------------------------------------------

  private authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const device = this.sessions.get(client);
    if (device && maySubscribe(device.id, subscription.topic)) return callback(null, subscription);
    const crew = device ? undefined : this.crews.get(client);
    if (crew) {
      if (crewMaySubscribe(subscription.topic, crew.sites ?? null)) return callback(null, subscription);
      this.options.metrics.authFailures.inc({ reason: 'subscribe_denied' });
      this.warnings.warn(`refused subscribe to ${logSafeName(subscription.topic)} by crew app ${logSafeName(client.id)}`);
      return callback(null, null);
    }
    this.deny(device?.id ?? client.id, 'subscribe_denied', `subscribe to ${logSafeName(subscription.topic)}`);
    // A null subscription is a failure in the SUBACK (0x80, MQTT 3.1.1 §3.9.3); the
    // connection stays open.
    callback(null, null);
  }

  // --- helpers --------------------------------------------------------------------------

  private deny(deviceId: string, reason: AuthFailureReason, what: string): void {
    this.options.metrics.authFailures.inc({ reason });
    this.options.events.emit('authFailure', { deviceId, reason, at: Date.now() });
    this.warnings.warn(`refused ${what} by device ${logSafeName(deviceId)}: ${reason}`);
  }

  /**
   * Answers a refused message on the device's own errors topic, written straight to that
   * device's connection (only that device may subscribe to it, so routing through the broker's
   * shared emitter buys nothing and let one stuck device stall every other delivery; issue #13,
   * finding 1). Best effort, as the topic always was: no reply when the device is not
   * subscribed, and a counted drop when its socket is not draining or it exceeds its reply
   * budget, so a device flooding invalid messages cannot make the broker queue for it.
   */
  private publishError(deviceId: string, message: DeviceErrorMessage): void {
    const client = this.online.get(deviceId);
    const topic = topics.errors(deviceId);
    if (!client || client.closed || !isSubscribed(client, topic)) return;
    if (isBackedUp(client.conn as Duplex)) {
      this.options.metrics.errorRepliesDropped.inc({ reason: 'not_draining' });
      return;
    }
    if (!this.errorReplies.take(deviceId)) {
      this.options.metrics.errorRepliesDropped.inc({ reason: 'rate_limited' });
      return;
    }
    client.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(message)), qos: 1, retain: false, dup: false }, (err) => {
      if (err) this.options.metrics.errorRepliesDropped.inc({ reason: 'write_failed' });
    });
  }

  private publishStatus(deviceId: string, status: typeof STATUS_ONLINE | typeof STATUS_OFFLINE): void {
    this.aedes?.publish({ cmd: 'publish', topic: topics.status(deviceId), payload: Buffer.from(status), qos: 1, retain: true, dup: false }, (err) => {
      if (err) this.options.logger.error(`could not publish the status of ${deviceId}: ${err.message}`);
    });
  }

  private touch(deviceId: string, at = Date.now()): void {
    try {
      this.options.directory.touchLastSeen(deviceId, at);
    } catch (err) {
      this.options.logger.error(`touchLastSeen failed for ${deviceId}: ${(err as Error).message}`);
    }
  }
}

/** The client's source IP: the TCP/TLS socket's, or for WebSocket the upgraded HTTP request's. */
function sourceAddressOf(client: Client): string {
  const raw = (client.conn as Partial<Socket>).remoteAddress ?? client.req?.socket?.remoteAddress;
  if (!raw) return 'unknown';
  // An IPv4 client of a dual-stack listener shows up IPv4-mapped (RFC 4291 §2.5.5.2).
  return raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice(7) : raw;
}

function publishChannelOfAny(topic: string): string | null {
  const parts = topic.split('/');
  return parts.length === 5 ? (publishChannel(parts[3], topic) ?? null) : null;
}

/** aedes keeps a client's granted filters in `subscriptions` (lib/client.js); not in its types. */
function isSubscribed(client: Client, topic: string): boolean {
  return topic in (client as unknown as { subscriptions: Record<string, unknown> }).subscriptions;
}

export function classifyClientError(err: Error): string {
  if (err instanceof PacketTooLargeError || /max payload size exceeded/i.test(err.message)) return 'packet_too_large';
  if (err instanceof SlowConsumerError) return 'slow_consumer';
  // aedes lib/client.js: no complete CONNECT within connectTimeout (half-open, slow-loris).
  if (/connect did not arrive in time/i.test(err.message)) return 'connect_timeout';
  if (/keep ?alive timeout|did not arrive in time|drain timeout/i.test(err.message)) return 'timeout';
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'socket';
  return 'protocol';
}

import type { GridProofConfig } from '@gridproof/config';
import type { AcceptedReading, PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore, readTelemetryLineKey, telemetryLine } from '@gridproof/influx';
import type { Registry } from '@gridproof/metrics';
import { toDeviceRef, type RegisteredDevice } from '@gridproof/registry';
import { IngestRecord, isCanonicalSignature, logSafe, parseTelemetry, RejectionReason, SIGNATURE_BASE64_LENGTH, signingBytes, TelemetryMessage, TelemetryRejection, toIngestRecord } from '@gridproof/telemetry';
import { DurableWriter } from './durable-writer';
import { deadLetteredReadings } from './dead-letter-readings';
import { IngestCounters, IngestStatsSnapshot } from './ingest-stats';
import { IngestLogger, RateLimitedLog } from './ingest-logger';
import { TokenBuckets } from './token-buckets';
import { payloadSeq } from './payload-seq';
import { IngestMetrics } from './ingest-metrics';
import { contentDigest, DeviceSequence, LastAccepted, RecentAccepted, SequenceTracker } from './sequence-tracker';
import { InlineSignatureVerifier, SignatureVerifier } from './signatures/signature-verifier';
import { Spool } from './spool/spool';
import { StatsWriter } from './stats-writer';
import type { IngestOutcome, TelemetrySink } from './telemetry-sink';

/**
 * The log's journal (anchoring's LeafJournal): accepted readings are committed there before they
 * are acknowledged, and the readings of unsealed windows it holds after a restart are written
 * to InfluxDB again (a crash may have come between the journal's fsync and InfluxDB's answer).
 */
export interface ReadingJournal {
  append(readings: AcceptedReading[]): Promise<void>;
  recovered(): readonly AcceptedReading[];
  /** Called by close() once the writer is closed: no append comes after it. */
  close(): Promise<void>;
}

export interface IngestPipelineOptions {
  config: { ingest: GridProofConfig['ingest']; mqtt: Pick<GridProofConfig['mqtt'], 'maxPayloadBytes'> };
  store: InfluxTelemetryStore;
  events: PipelineEvents;
  metrics: Registry;
  logger: IngestLogger;
  /** Defaults to inline verification; pass a WorkerPoolVerifier to use every core. */
  verifier?: SignatureVerifier;
  /**
   * Stamps the record's rx (broker receive time, ms) at admission, in ingest order. Anchoring
   * plugs its ReceiveClock in here (e.g. to keep rx strictly increasing); default: receivedAt.
   */
  stampRx?: (receivedAt: number) => number;
  /** gp_ingest / gp_rejections interval; 0 disables. Default 10 s. */
  statsIntervalMs?: number;
  /** Commit at ingest: each batch is journaled for anchoring before it is acknowledged. */
  journal?: ReadingJournal;
  /** Spool segment size (tests use tiny ones). */
  spoolSegmentBytes?: number;
  /** Backoff of the InfluxDB reconnect loops. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface IngestHealth {
  status: 'up' | 'degraded' | 'down';
  detail?: string;
  influx: 'up' | 'down';
  writeMode: 'direct' | 'spooling';
  spoolBytes: number;
  spoolRecords: number;
  spoolFull: boolean;
}

/** What admission hands back: the durable outcome, awaited outside the device's turn. */
interface Admitted {
  outcome: Promise<IngestOutcome> | IngestOutcome;
}

/**
 * The ingest pipeline behind the broker (TelemetrySink). For each message, in this order:
 * parse (size, JSON, schema, metrics, finite, physical limits, device) → signature → clock
 * skew → replay (seq strictly above the device's last accepted) → canonical record → durable
 * write (InfluxDB or fsynced spool) → resolve, then 'accepted' on the event bus in ingest order.
 *
 * Parsing and rejection are per message and never throw; a device's messages are admitted one
 * at a time in arrival order (its seq check needs the previous outcome) while different devices
 * proceed independently, so one device's bad input or slow key load never stalls another.
 */
export class IngestPipeline implements TelemetrySink {
  readonly healthName = 'ingest';
  private readonly counters = new IngestCounters();
  private readonly prom: IngestMetrics;
  private readonly rejectionLog: RateLimitedLog;
  /** Per-device publish budget (issue #13, finding 7); null when GP_INGEST_DEVICE_RATE_PER_S is 0. */
  private readonly budget: TokenBuckets | null;
  private readonly verifier: SignatureVerifier;
  private readonly stampRx: (receivedAt: number) => number;
  private closing = false;
  /** Messages between submit() and their hand-over to the writer. */
  private readonly admitting = new Set<Promise<void>>();
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly options: IngestPipelineOptions,
    private readonly spool: Spool,
    private readonly writer: DurableWriter<AcceptedReading>,
    private readonly sequences: SequenceTracker,
    private readonly statsWriter: StatsWriter,
    metrics: IngestMetrics,
  ) {
    this.prom = metrics;
    this.verifier = options.verifier ?? new InlineSignatureVerifier();
    this.stampRx = options.stampRx ?? ((t) => t);
    this.rejectionLog = new RateLimitedLog((m) => options.logger.warn(m));
    const { deviceRatePerS, deviceBurst } = options.config.ingest;
    this.budget = deviceRatePerS > 0 ? new TokenBuckets(deviceRatePerS, deviceBurst) : null;
    metrics.onCollect(() => this.refreshGauges());
  }

  /**
   * Opens the spool (learning the last seq of every device it holds), prepares the InfluxDB
   * schema when InfluxDB answers (later otherwise), and starts replaying any spool an earlier
   * process left behind.
   */
  static async start(options: IngestPipelineOptions): Promise<IngestPipeline> {
    const { ingest } = options.config;
    const metrics = new IngestMetrics(options.metrics);
    const spooledSeqs = new Map<string, LastAccepted>();
    const spool = await Spool.open(
      {
        dir: ingest.spoolDir,
        maxBytes: ingest.spoolMaxBytes,
        segmentBytes: options.spoolSegmentBytes,
        onFullChange: (full) => {
          metrics.spoolFull.set(full ? 1 : 0);
          if (full) options.logger.error(`the spool is full (${ingest.spoolMaxBytes} bytes, ${ingest.spoolDir}): publishers are pushed back (no acknowledgements) until InfluxDB takes the backlog`);
          else options.logger.warn('the spool has room again: acknowledging publishers again');
        },
        onTorn: (segment, bytes, reason) => {
          metrics.spoolTorn.inc(bytes);
          options.logger.warn(`spool segment ${segment}: skipped a torn tail of ${bytes} bytes (${reason}); it was never acknowledged to a device`);
        },
      },
      (entry) => {
        for (const line of entry.body.split('\n')) {
          const key = readTelemetryLineKey(line);
          if (!key) continue;
          const known = spooledSeqs.get(key.device);
          spooledSeqs.set(key.device, { seq: Math.max(known?.seq ?? -1, key.seq), ts: Math.max(known?.ts ?? -1, key.ts) });
        }
      },
    );
    if (spool.records) options.logger.warn(`the spool holds ${spool.records} readings from an earlier run (${spool.bytes} bytes): replaying them to InfluxDB`);
    await rewriteJournaled(options, spool, spooledSeqs);

    let schemaPending = false;
    try {
      if (!(await options.store.ping())) throw new Error('no answer to /ping');
      await options.store.ensureSchema();
    } catch (err) {
      schemaPending = true;
      options.logger.warn(`InfluxDB not ready at start (${(err as Error).message}): readings go to the spool until it is`);
    }

    let pipeline: IngestPipeline | null = null;
    const writer = new DurableWriter<AcceptedReading>({
      store: options.store,
      spool,
      batchSize: ingest.batchSize,
      flushMs: ingest.flushMs,
      maxInFlight: ingest.maxInFlight,
      logger: options.logger,
      retryMinMs: options.retryMinMs,
      retryMaxMs: options.retryMaxMs,
      journal: options.journal ? (items) => options.journal!.append(items) : undefined,
      onDurable: (items) => pipeline?.onDurable(items),
      onWriteLatency: (s) => metrics.writeLatency.observe(s),
      onInfluxUp: (up) => {
        metrics.influxUp.set(up ? 1 : 0);
        if (up) options.logger.log('InfluxDB accepts writes again');
      },
      onDeadLetter: (lines, body) => {
        metrics.deadLetter.inc(lines);
        // Anchoring counted these as accepted: it must learn they will never be in InfluxDB.
        options.events.emit('deadLettered', deadLetteredReadings(body));
      },
    });
    const sequences = new SequenceTracker((family, ids) => options.store.lastAccepted(family, ids), spooledSeqs, options.logger, {
      retryMinMs: options.retryMinMs,
      retryMaxMs: options.retryMaxMs,
    });
    const statsWriter = new StatsWriter({
      intervalMs: options.statsIntervalMs ?? 10_000,
      snapshot: () => pipeline!.stats(),
      write: (body) => options.store.writeLines(body),
      metrics: options.metrics,
      logger: options.logger,
    });
    pipeline = new IngestPipeline(options, spool, writer, sequences, statsWriter, metrics);
    writer.start({ schemaPending });
    statsWriter.start();
    return pipeline;
  }

  submit(device: RegisteredDevice, payload: Buffer, receivedAt: number): Promise<IngestOutcome> {
    if (this.closing) return Promise.reject(new Error('ingest is shutting down'));
    if (device.state !== 'active') return Promise.resolve(this.rejected(device.id, 'device_disabled', `device ${device.id} is disabled`, this.seqOf(payload)));
    // Before parsing: a device over its budget costs a map lookup, not a parse and a verify.
    if (this.budget && !this.budget.take(device.id)) {
      return Promise.resolve(this.rejected(device.id, 'rate_limited', `more than ${this.budget.ratePerS} messages/s (burst ${this.budget.burst}); not stored`, this.seqOf(payload)));
    }
    let message: TelemetryMessage;
    try {
      message = parseTelemetry(payload, { deviceId: device.id, type: device.type, maxBytes: this.options.config.mqtt.maxPayloadBytes });
    } catch (err) {
      if (err instanceof TelemetryRejection) return Promise.resolve(this.rejected(device.id, err.reason, err.detail, this.seqOf(payload)));
      return Promise.reject(err);
    }
    // Verification starts now (possibly on another thread); admission waits for it in turn.
    let signature: ReturnType<IngestPipeline['checkSignature']>;
    try {
      signature = this.checkSignature(device, message);
    } catch (err) {
      return Promise.reject(err);
    }
    const state = this.sequences.get(device.id);
    const turn = state.tail.then(() => this.admit(device, message, receivedAt, signature, state));
    // Settles (either way) once this message is admitted and leaves `admitting` as it does: one
    // promise and one closure per message, which are garbage at the next scavenge.
    const settle = (): void => {
      this.admitting.delete(settled);
    };
    const settled: Promise<void> = turn.then(settle, settle);
    state.tail = settled;
    this.admitting.add(settled);
    return turn.then(outcomeOf);
  }

  /** A snapshot for the status line, the API and the stats writer. */
  stats(): IngestStatsSnapshot {
    return {
      accepted: this.counters.accepted,
      rejected: this.counters.rejected,
      rejectedByReason: { ...this.counters.byReason },
      duplicates: this.counters.duplicates,
      readingsPerSecond: this.counters.readingsPerSecond(),
      windowSeconds: this.counters.windowSeconds,
      devicesTracked: this.sequences.size,
      pendingWrites: this.writer.pendingPoints,
      influxUp: this.writer.influxUp,
      writeMode: this.writer.mode,
      spool: { bytes: this.spool.bytes, records: this.spool.records, full: this.spool.full, maxBytes: this.options.config.ingest.spoolMaxBytes },
    };
  }

  readingsPerSecond(): number {
    return this.counters.readingsPerSecond();
  }

  /** /api/health contributor: up; degraded while spooling or when the spool is full. */
  health(): IngestHealth {
    this.refreshGauges();
    const base = {
      influx: this.writer.influxUp ? ('up' as const) : ('down' as const),
      writeMode: this.writer.mode,
      spoolBytes: this.spool.bytes,
      spoolRecords: this.spool.records,
      spoolFull: this.spool.full,
    };
    if (this.closing) return { status: 'down', detail: 'shutting down', ...base };
    if (this.spool.full) return { status: 'degraded', detail: 'degraded: spool full, publishers pushed back', ...base };
    if (this.writer.mode === 'spooling') return { status: 'degraded', detail: `InfluxDB ${base.influx}: readings are spooled (${this.spool.records} waiting)`, ...base };
    return { status: 'up', ...base };
  }

  /** Waits until every reading accepted so far is durable (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.admitting.size) await Promise.all(this.admitting);
    await this.writer.flush();
  }

  /** Graceful shutdown: new submits fail (not acknowledged), accepted ones are written or spooled. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      // Messages still waiting for their device's last seq are refused (not acknowledged);
      // the rest are handed to the writer before it closes.
      this.sequences.close();
      while (this.admitting.size) await Promise.all(this.admitting);
      await this.statsWriter.stop();
      await this.writer.close();
      await this.options.journal?.close();
      await this.verifier.close();
      this.refreshGauges();
    })();
    return this.closed;
  }

  /** Writes gp_ingest / gp_rejections now instead of waiting for the interval. */
  writeStatsNow(): Promise<void> {
    return this.statsWriter.writeOnce();
  }

  private checkSignature(device: RegisteredDevice, message: TelemetryMessage): TelemetryRejection | null | Promise<TelemetryRejection | null> {
    if (message.sig === undefined) {
      return device.requireSignature ? new TelemetryRejection('missing_signature', `device ${device.id} must sign its messages`) : null;
    }
    // A device that need not sign but does must sign correctly: the stored sig is what an
    // auditor later checks. One spelling per signature: Node's base64 decoder maps many texts
    // to the same 64 bytes (RFC 4648 §3.5 pad bits, missing padding, the URL alphabet), and a
    // respelled sig would verify yet make a record that differs from what the device sent.
    if (!isCanonicalSignature(message.sig)) {
      return new TelemetryRejection('signature_encoding', `sig must be the canonical base64 of the 64-byte signature (RFC 4648 §4: ${SIGNATURE_BASE64_LENGTH} characters, standard alphabet, ending in "==")`);
    }
    if (!device.publicKey) return new TelemetryRejection('bad_signature', `device ${device.id} has no registered public key`);
    const bad = new TelemetryRejection('bad_signature', 'the signature does not verify with the device key');
    const result = this.verifier.verify(device.publicKey, signingBytes(message), message.sig);
    if (typeof result === 'boolean') return result ? null : bad;
    return result.then((ok) => (ok ? null : bad));
  }

  private async admit(
    device: RegisteredDevice,
    message: TelemetryMessage,
    receivedAt: number,
    signature: TelemetryRejection | null | Promise<TelemetryRejection | null>,
    state: DeviceSequence,
  ): Promise<Admitted> {
    const sigRejection = await signature;
    if (sigRejection) return { outcome: this.rejected(device.id, sigRejection.reason, sigRejection.detail, message.seq) };
    const { maxFutureSkewMs, maxBackfillMs } = this.options.config.ingest;
    if (message.ts > receivedAt + maxFutureSkewMs) {
      return { outcome: this.rejected(device.id, 'clock_skew', `ts ${message.ts} is ${message.ts - receivedAt} ms ahead of the broker clock (limit ${maxFutureSkewMs} ms)`, message.seq) };
    }
    if (message.ts < receivedAt - maxBackfillMs) {
      return { outcome: this.rejected(device.id, 'clock_skew', `ts ${message.ts} is ${receivedAt - message.ts} ms in the past (backfill limit ${maxBackfillMs} ms)`, message.seq) };
    }
    if (!state.loaded) await this.sequences.ensureLoaded(device.id, device.family);
    const seq = message.seq;
    // A resend of a reading admitted but never made durable; it passed the ts check then.
    const retried = seq <= state.last && state.retry.get(seq) === message.ts;
    if (seq <= state.last && !retried) {
      // Same seq and content as a recent accepted message: a QoS 1 redelivery (its PUBACK was
      // lost), harmless; anything else under the last seq is a replay.
      if (state.recent?.has(seq, message.ts, contentDigest(message))) {
        return { outcome: this.rejected(device.id, 'duplicate', `seq ${seq} was already accepted with this content (a redelivery); stored once`, message.seq) };
      }
      return { outcome: this.rejected(device.id, 'replayed_sequence', `seq ${seq} is not above the last accepted seq ${state.last} and is not a redelivery of an accepted message`, message.seq) };
    }
    // InfluxDB keys a point by measurement, tags and time: a reading at an already used ts would
    // silently replace the earlier one, and the audit would find that one altered.
    if (!retried && message.ts <= state.lastTs) {
      return { outcome: this.rejected(device.id, 'ts_not_increasing', `ts ${message.ts} is not above the last accepted ts ${state.lastTs} (each reading of a device needs a later ts, ms)`, message.seq) };
    }
    if (retried) state.retry.delete(seq);
    if (seq > state.last) state.last = seq;
    if (message.ts > state.lastTs) state.lastTs = message.ts;
    if (!retried) (state.recent ??= new RecentAccepted()).add(seq, message.ts, contentDigest(message));
    const record: IngestRecord = toIngestRecord(message, this.stampRx(receivedAt));
    const reading: AcceptedReading = { device: toDeviceRef(device), record };
    const durable = this.writer.write(telemetryLine(device.family, { device: device.id, site: device.site, type: device.type }, record), reading);
    return {
      outcome: durable.then(
        (): IngestOutcome => ({ accepted: true, record }),
        (err: unknown) => {
          // Not durable, so not acknowledged: the device will resend this seq; let it in then.
          state.retry.set(seq, message.ts);
          throw err;
        },
      ),
    };
  }

  private onDurable(items: AcceptedReading[]): void {
    this.counters.addAccepted(items.length);
    this.prom.accepted.inc(items.length);
    this.options.events.emit('accepted', items);
  }

  /** Rejected before its seq was parsed: looked up in the raw payload (rejections only). */
  private seqOf(payload: Buffer): number | undefined {
    return payloadSeq(payload, this.options.config.mqtt.maxPayloadBytes);
  }

  /** Counts, logs and announces a rejection; `seq` goes back to the device with the reason. */
  private rejected(deviceId: string, reason: RejectionReason, detail: string, seq: number | undefined): IngestOutcome {
    this.counters.addRejected(reason);
    this.prom.reject(reason);
    if (reason === 'duplicate') this.prom.duplicates.inc();
    // The detail quotes the payload (a metric name, a field): escaped, it came off the wire.
    this.rejectionLog.log(reason, `rejected a message of device ${deviceId}: ${reason} (${logSafe(detail)})`);
    this.options.events.emit('rejected', { deviceId, reason, detail, at: Date.now() });
    return seq === undefined ? { accepted: false, reason, detail } : { accepted: false, reason, detail, seq };
  }

  private refreshGauges(): void {
    this.prom.spoolBytes.set(this.spool.bytes);
    this.prom.spoolRecords.set(this.spool.records);
    this.prom.spoolFull.set(this.spool.full ? 1 : 0);
  }
}

/**
 * The journal's unsealed readings go to InfluxDB again through the spool (idempotent: the same
 * point with the same fields), and their seqs count as accepted: a device resending a reading
 * whose PUBACK a crash swallowed gets it refused as a replay, so it is stored and anchored once.
 */
async function rewriteJournaled(options: IngestPipelineOptions, spool: Spool, seqs: Map<string, LastAccepted>): Promise<void> {
  const recovered = options.journal?.recovered() ?? [];
  if (!recovered.length) return;
  const size = Math.max(1, options.config.ingest.batchSize);
  for (let i = 0; i < recovered.length; i += size) {
    const chunk = recovered.slice(i, i + size);
    const body = chunk.map((r) => telemetryLine(r.device.family, { device: r.record.device, site: r.device.site, type: r.device.type }, r.record)).join('\n');
    await spool.append(body, chunk.length);
  }
  for (const { record } of recovered) {
    const known = seqs.get(record.device);
    seqs.set(record.device, { seq: Math.max(known?.seq ?? -1, record.seq), ts: Math.max(known?.ts ?? -1, record.ts) });
  }
  options.logger.warn(`the leaf journal holds ${recovered.length} readings of unsealed windows from an earlier run: written to InfluxDB again through the spool`);
}

function outcomeOf(admitted: Admitted): Promise<IngestOutcome> | IngestOutcome {
  return admitted.outcome;
}


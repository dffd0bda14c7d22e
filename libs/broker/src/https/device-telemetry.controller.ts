import { Controller, Headers, HttpStatus, Inject, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Counter } from 'prom-client';
import { GP_CONFIG } from '@gridproof/core';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { IngestOutcome, TELEMETRY_SINK, type TelemetrySink } from '@gridproof/ingest';
import { METRIC, Registry } from '@gridproof/metrics';
import { type DeviceDirectory, Public, type RegisteredDevice } from '@gridproof/registry';
import { DEVICE_ID_PATTERN, logSafeName } from '@gridproof/telemetry';
import { DEVICE_DIRECTORY } from '../broker.tokens';
import { LoginThrottle } from '../login-throttle';
import { basicCredentials } from './basic-auth';
import { BODY_TOO_LARGE } from './raw-telemetry-body';
import { TelemetryDuplicateDto, TelemetryRefusedDto, TelemetryStoredDto } from './device-telemetry.dto';

interface RawRequest {
  body: unknown;
  ip?: string;
  socket: { remoteAddress?: string };
}
interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
}

/** How long a reading may wait for room in the spool before the device is told to retry. */
const DURABLE_WAIT_MS = 30_000;

/** The HTTP status of each way a reading can fail, as the device must act on it. */
function statusOf(outcome: Extract<IngestOutcome, { accepted: false }>): number {
  switch (outcome.reason) {
    case 'duplicate':
      return HttpStatus.OK; // already stored: a retry of a delivered reading succeeds
    case 'rate_limited':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'device_disabled':
      return HttpStatus.FORBIDDEN;
    case 'too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    default:
      return HttpStatus.UNPROCESSABLE_ENTITY; // never accepted as it is: do not resend unchanged
  }
}

/**
 * HTTPS ingest (issue 19): a device that cannot speak MQTT POSTs the same signed message to
 * `/api/devices/{id}/telemetry`, authenticated with its MQTT credentials (HTTP Basic, RFC 7617).
 * It goes through the same port as an MQTT publish (TELEMETRY_SINK), so it is validated,
 * verified, stored, scored and anchored the same way, and the answer mirrors a PUBACK: a 2xx only
 * once the reading is durable. The raw body is handed over unparsed (rawTelemetryBody), so each
 * bad payload gets the same rejection reason as over MQTT. Refused logins share the broker's
 * backoff rules (LoginThrottle) and are reported as loginFailure events.
 */
@ApiTags('devices (ingest)')
@Controller('api/devices')
export class DeviceTelemetryController {
  private readonly logger = new Logger('HttpsIngest');
  private readonly throttle = new LoginThrottle();
  private readonly requests: Counter<'outcome'>;

  constructor(
    @Inject(GP_CONFIG) private readonly config: GridProofConfig,
    @Inject(DEVICE_DIRECTORY) private readonly directory: DeviceDirectory,
    @Inject(TELEMETRY_SINK) private readonly sink: TelemetrySink,
    private readonly events: PipelineEvents,
    metrics: Registry,
  ) {
    this.requests = new Counter({ name: METRIC.httpIngestRequests, help: 'Telemetry POSTed over HTTPS, by outcome (accepted, a rejection reason, unauthorized, throttled, retry_later)', labelNames: ['outcome'], registers: [metrics] });
  }

  @Public() // devices authenticate with their own credentials, not an API key
  @Post(':id/telemetry')
  @ApiBasicAuth('device')
  @ApiOperation({ summary: 'A device posts one signed telemetry message (the MQTT payload); 201 once it is durable' })
  @ApiBody({ description: 'the signed telemetry message, exactly as over MQTT (docs/integrators.md §3)', schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: 'stored durably', type: TelemetryStoredDto })
  @ApiResponse({ status: 200, description: 'a redelivery of a stored reading (stored once)', type: TelemetryDuplicateDto })
  @ApiResponse({ status: 401, description: 'no or wrong device credentials (HTTP Basic: device id and MQTT password)', type: TelemetryRefusedDto })
  @ApiResponse({ status: 403, description: 'the device is disabled, or the credentials name another device', type: TelemetryRefusedDto })
  @ApiResponse({ status: 413, description: 'above the payload limit', type: TelemetryRefusedDto })
  @ApiResponse({ status: 422, description: 'never accepted as it is (the reason says why); do not resend unchanged', type: TelemetryRefusedDto })
  @ApiResponse({ status: 429, description: 'over the device budget, or too many refused logins (Retry-After)', type: TelemetryRefusedDto })
  @ApiResponse({ status: 503, description: 'not durable within 30 s (spool full); retry later, a retry is never stored twice', type: TelemetryRefusedDto })
  async post(@Param('id') id: string, @Headers('authorization') authorization: string | undefined, @Req() req: RawRequest, @Res({ passthrough: true }) res: HttpResponse): Promise<Record<string, unknown>> {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const device = await this.login(id, authorization, address, res);
    if (!device.ok) return { accepted: false, reason: device.reason, detail: device.detail };
    if (req.body === BODY_TOO_LARGE) {
      this.requests.inc({ outcome: 'too_large' });
      res.status(HttpStatus.PAYLOAD_TOO_LARGE);
      return { accepted: false, reason: 'too_large', detail: `the body is far above the ${this.config.mqtt.maxPayloadBytes}-byte payload limit (GP_MQTT_MAX_PAYLOAD_BYTES)` };
    }
    const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = await this.durable(this.sink.submit(device.device, payload, Date.now()));
    if (!outcome) {
      this.requests.inc({ outcome: 'retry_later' });
      res.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', '30');
      return { accepted: false, reason: 'retry_later', detail: `not durable within ${DURABLE_WAIT_MS / 1000} s (the spool is full); retry later: a retry is never stored twice` };
    }
    this.directory.touchLastSeen(device.device.id, Date.now());
    if (outcome.accepted) {
      this.requests.inc({ outcome: 'accepted' });
      res.status(HttpStatus.CREATED);
      return { accepted: true, device: outcome.record.device, seq: outcome.record.seq, rx: outcome.record.rx };
    }
    this.requests.inc({ outcome: outcome.reason });
    res.status(statusOf(outcome));
    if (outcome.reason === 'rate_limited') res.setHeader('Retry-After', '1');
    if (outcome.reason === 'duplicate') return { accepted: true, duplicate: true, seq: outcome.seq };
    return { accepted: false, reason: outcome.reason, detail: outcome.detail, ...(outcome.seq !== undefined ? { seq: outcome.seq } : {}) };
  }

  /** The outcome once durable, or null after DURABLE_WAIT_MS (the submit goes on; a retry is a duplicate). */
  private async durable(submitted: Promise<IngestOutcome>): Promise<IngestOutcome | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DURABLE_WAIT_MS)));
    try {
      return await Promise.race([submitted, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async login(id: string, authorization: string | undefined, address: string, res: HttpResponse): Promise<{ ok: true; device: RegisteredDevice } | { ok: false; reason: string; detail: string }> {
    const refuse = (status: number, reason: 'bad_credentials' | 'unknown_device' | 'disabled' | 'client_id_mismatch' | 'throttled', detail: string, claimedId: string) => {
      this.requests.inc({ outcome: reason === 'throttled' ? 'throttled' : 'unauthorized' });
      if (reason !== 'throttled') this.throttle.failed(address, DEVICE_ID_PATTERN.test(claimedId) ? claimedId : null);
      this.events.emit('loginFailure', { address, claimedId, reason, at: Date.now() });
      this.logger.warn(`refused HTTPS telemetry of ${logSafeName(claimedId)} from ${address}: ${detail}`);
      res.status(status);
      if (status === HttpStatus.UNAUTHORIZED) res.setHeader('WWW-Authenticate', 'Basic realm="gridproof-device", charset="UTF-8"');
      if (status === HttpStatus.TOO_MANY_REQUESTS) res.setHeader('Retry-After', String(Math.max(1, this.throttle.blockedForS(address))));
      return { ok: false as const, reason, detail };
    };
    const credentials = basicCredentials(authorization);
    if (!credentials) return refuse(HttpStatus.UNAUTHORIZED, 'bad_credentials', 'HTTP Basic credentials required: the device id and its MQTT password', id);
    const { username, password } = credentials;
    if (!DEVICE_ID_PATTERN.test(username)) return refuse(HttpStatus.UNAUTHORIZED, 'unknown_device', 'user name is not a device id', username);
    if (this.throttle.check(address, username)) return refuse(HttpStatus.TOO_MANY_REQUESTS, 'throttled', 'too many refused logins; try again later', username);
    if (username !== id) return refuse(HttpStatus.FORBIDDEN, 'client_id_mismatch', 'the credentials name another device than the path', username);
    const end = this.throttle.begin(address);
    try {
      const result = await this.directory.authenticate(username, password);
      if (!result.ok) return refuse(result.reason === 'disabled' ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED, result.reason, result.reason.replace('_', ' '), username);
      this.throttle.succeeded(address, username);
      return { ok: true, device: result.device };
    } finally {
      end();
    }
  }
}

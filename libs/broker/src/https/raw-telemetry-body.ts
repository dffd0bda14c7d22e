import { raw } from 'body-parser';

/** The route devices POST telemetry to (DeviceTelemetryController). */
export const DEVICE_TELEMETRY_ROUTE = '/api/devices/:id/telemetry';

type Middleware = (req: { method: string; body?: unknown }, res: unknown, next: (err?: unknown) => void) => void;

/** The body of a POST above the limit: not read, rejected as too_large by the controller. */
export const BODY_TOO_LARGE = Symbol('body too large');

/**
 * Keeps a device's POSTed telemetry as the bytes it sent (any content type, up to the MQTT
 * payload limit), so ingest applies the same byte-level checks as to an MQTT payload (UTF-8,
 * duplicate keys, lone surrogates, size) and a bad body gets its own rejection reason instead
 * of the JSON parser's generic 400. Mounted before Nest's body parsers, which then skip the
 * already read body.
 */
export function rawTelemetryBody(maxPayloadBytes: number): Middleware {
  // A little over the limit, so a payload just above it reaches ingest (too_large, counted there).
  const parse = raw({ type: () => true, limit: maxPayloadBytes + 1_024 }) as unknown as Middleware;
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    parse(req, res, (err) => {
      // Far above it, the body is not read at all; the controller still answers with the reason.
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        req.body = BODY_TOO_LARGE;
        return next();
      }
      next(err);
    });
  };
}

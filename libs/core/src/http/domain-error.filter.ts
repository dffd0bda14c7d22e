import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { Counter } from 'prom-client';
import { METRIC, Registry } from '@gridproof/metrics';
import { DomainError, InvalidInputError } from './domain-error';

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/**
 * The one mapping from domain errors to HTTP (registered for the whole app by CoreModule): the
 * status comes from the error's kind, the body keeps Nest's shape (`statusCode`, `error`,
 * `message`) so clients see one format, plus `problems` for invalid input. Each answer is
 * counted by kind and route, so an operator sees a client sending bad requests.
 */
@Catch(DomainError)
@Injectable()
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  private readonly rejected: Counter<'kind' | 'route'>;

  constructor(metrics: Registry) {
    this.rejected =
      (metrics.getSingleMetric(METRIC.apiRejected) as Counter<'kind' | 'route'> | undefined) ??
      new Counter({ name: METRIC.apiRejected, help: 'API requests answered with a domain error, by kind and route', labelNames: ['kind', 'route'], registers: [metrics] });
  }

  catch(error: DomainError, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ route?: { path?: string } }>();
    // The route's template ("/api/alerts/:id"), never the raw URL: bounded label values.
    this.rejected.inc({ kind: error.kind, route: request.route?.path ?? 'unknown' });
    const body: Record<string, unknown> = { statusCode: error.status, error: STATUS_CODES[error.status], message: error.message };
    if (error instanceof InvalidInputError) body.problems = error.problems;
    http.getResponse<HttpResponse>().status(error.status).json(body);
  }
}

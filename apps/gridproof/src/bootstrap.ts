import { readFileSync } from 'node:fs';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { GridProofConfig } from '@gridproof/config';
import { CoreModuleOptions, openApiDocument, sqlStoreTarget } from '@gridproof/core';
import { DEVICE_TELEMETRY_ROUTE, rawTelemetryBody } from '@gridproof/broker';
import { SqlStore } from '@gridproof/store';
import { AppModule } from './app.module';
import { serveConsole } from './console/serve-console';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export interface RunningGridProof {
  app: NestExpressApplication;
  config: GridProofConfig;
  apiUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the whole service from a resolved config (influx.url set). Used by main.ts and by the
 * end-to-end tests, so the tests start the app exactly as a user does.
 */
export async function startGridProof(options: CoreModuleOptions & { logger?: false; /** The built console (default dist/console). */ consoleDir?: string }): Promise<RunningGridProof> {
  const { config } = options;
  // The store is opened here, not inside Nest, so that every failed start closes it: an
  // embedded PGlite left open by a process that dies mid-start is what issue 13 lost.
  const ownStore = options.store ? null : await SqlStore.open(sqlStoreTarget(config));
  const closeOwnStore = () => ownStore?.close().catch(() => undefined);
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ ...options, store: options.store ?? ownStore! }), {
      logger: options.logger === false ? false : LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
      bufferLogs: false,
      // Throw instead of process.abort() when a provider fails, so the store above is closed.
      abortOnError: false,
      // GP_API_TLS_*: the API, and devices' HTTPS ingest, over TLS without a reverse proxy.
      ...(config.api.tls ? { httpsOptions: { cert: readFileSync(config.api.tls.certPath), key: readFileSync(config.api.tls.keyPath) } } : {}),
    });
  } catch (err) {
    await closeOwnStore();
    throw err;
  }
  // Before Nest's JSON parser (registered at init): devices' POSTed telemetry stays raw bytes.
  app.use(DEVICE_TELEMETRY_ROUTE, rawTelemetryBody(config.mqtt.maxPayloadBytes));
  // No app.enableShutdownHooks(): main.ts owns SIGINT/SIGTERM and stops the demo fleet before
  // the app. Nest's hooks would close the broker at the same moment (every device connection
  // dropped, so its last will fired an offline alert) and then re-raise the signal, killing the
  // process before the local InfluxDB was stopped. close() runs every shutdown hook anyway.
  SwaggerModule.setup('api/docs', app, openApiDocument(app, openApiConfig()));
  // The crew and operator console at / (apps/console), a client of the API above.
  serveConsole(app, { dir: options.consoleDir, https: Boolean(config.api.tls) });
  try {
    // Keep idle connections longer than clients and proxies do (Node's 5 s default): a client
    // reusing a connection the server is just closing gets ECONNRESET (seen in openapi.int.spec
    // after a 5 s pause); 65 s outlasts the usual 60 s proxy idle timeout.
    const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await app.listen(config.api.port, config.host);
  } catch (err) {
    // A start-up hook failed (e.g. a port in use): release what the others opened, then report.
    await app.close().catch(() => undefined);
    await closeOwnStore();
    throw err;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const apiUrl = `${config.api.tls ? 'https' : 'http'}://${config.host}:${port}`;
  new Logger('GridProof').log(`Console on ${apiUrl}/, API on ${apiUrl}/api (OpenAPI at ${apiUrl}/api/docs)`);
  return {
    app,
    config,
    apiUrl,
    close: async () => {
      await app.close();
      await closeOwnStore();
    },
  };
}

/** The OpenAPI document's header: title, description, and how to authenticate. */
export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return (
    new DocumentBuilder()
      .setTitle('GridProof API')
      // The description is rendered as Markdown: `code` keeps "<key>" from being eaten as an HTML tag.
      .setDescription('Devices, telemetry, alerts, anchors and audits. Authenticate with an API key: `Authorization: Bearer gpk_…` (or `X-API-Key: gpk_…`).')
      .setVersion('1')
      // GridProof's keys are opaque (gpk_<id>_<secret>), not JWTs.
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'gpk_<id>_<secret> (opaque API key)' })
      .build()
  );
}

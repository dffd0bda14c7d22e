import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Where `npm run build` puts the console (scripts/console-build.js): dist/console beside
 * dist/apps. This file runs from dist/apps/gridproof/src/console; the tests pass their own folder.
 */
export const DEFAULT_CONSOLE_DIR = join(__dirname, '..', '..', '..', '..', 'console');

/**
 * The console's Content-Security-Policy (CSP Level 3): scripts, styles, fonts and API calls
 * from this origin only, no inline script or style, no plugins, no framing (clickjacking), no
 * <base> rewriting, no form posts anywhere (the console posts with fetch). Pico's icons are
 * data: SVGs in its stylesheet, hence img-src data:.
 */
export const CONSOLE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/** What this file uses of express's request and response (the project has no @types/express). */
type Request = IncomingMessage & { path: string };
type Response = ServerResponse & { status(code: number): Response; type(t: string): Response; send(body: string): void };
type NextFunction = (err?: unknown) => void;

/** Hashed bundle names (console-<hash>.js) change with their content: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the crew console at `/`. index.html is revalidated on every load (no-cache + ETag), so
 * a new build is picked up at once; the hashed assets are immutable. Every console response
 * carries the CSP above and helmet's other headers (nosniff, no referrer, same-origin
 * isolation); the API under /api keeps its own (Swagger UI at /api/docs needs inline scripts).
 */
export function serveConsole(app: NestExpressApplication, options: { dir?: string; https: boolean }): void {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  const built = existsSync(join(dir, 'index.html'));
  if (!built) new Logger('Console').warn(`console not built (${dir} has no index.html): run npm run build`);
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP },
    // HSTS (RFC 6797) only when GridProof itself serves TLS (GP_API_TLS_CERT): 180 days, this
    // host only. Behind a TLS proxy the proxy sets it; over plain HTTP browsers ignore it (§8.1).
    strictTransportSecurity: options.https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    // The same as frame-ancestors 'none', for browsers that predate CSP Level 2.
    frameguard: { action: 'deny' },
  });
  const isApi = (req: Request) => req.path === '/api' || req.path.startsWith('/api/');
  app.use((req: Request, res: Response, next: NextFunction) => (isApi(req) ? next() : headers(req, res, next)));
  if (!built) {
    app.use('/', (req: Request, res: Response, next: NextFunction) => {
      if (isApi(req) || req.path !== '/') return next();
      res.status(503).type('text/plain').send('The GridProof console is not built: run `npm run build` (npm start does), then reload.\n');
    });
    return;
  }
  app.useStaticAssets(dir, {
    index: 'index.html',
    // Nothing under /api is a file: let Nest answer it.
    fallthrough: true,
    dotfiles: 'ignore',
    setHeaders: (res: Response, path: string) => {
      res.setHeader('Cache-Control', path.includes(`${join('/', 'assets', '/')}`) ? IMMUTABLE : 'no-cache');
    },
  });
}

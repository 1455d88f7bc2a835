// Serves the built web front doors (web/dist: `npm run build:web`): the player site at /, the
// back office at /backoffice/ and the partner portal at /partners/. Files under /assets/ carry
// a content hash in their name, so browsers and CDNs keep them for a year; the HTML pages
// name the current assets, so they are revalidated on every load. The pages get the security
// headers: a Content-Security-Policy with no inline script or style, no framing, no referrer
// across origins, no MIME sniffing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** The apps' doors, each a directory of web/dist with an index.html. */
export const WEB_DOORS = ['/', '/backoffice/', '/partners/'] as const;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // QR codes of MFA enrolment are SVG data: URLs in <img>, which cannot run script.
  "img-src 'self' data:",
  "font-src 'self'",
  // The API and, later, the WebSocket at /ws are on the same origin.
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

export async function serveWeb(
  http: FastifyInstance,
  options: { root: string; log: Logger },
): Promise<void> {
  const { root, log } = options;
  if (!existsSync(path.join(root, 'index.html'))) {
    log.warn(
      { root },
      'the web apps are not built: run `npm run build:web` (npm start does it when needed)',
    );
    return;
  }
  const assets = `${path.sep}assets${path.sep}`;
  await http.register(fastifyStatic, {
    root,
    prefix: '/',
    // /backoffice and /partners answer with a redirect to the directory (its index.html).
    redirect: true,
    index: ['index.html'],
    // Leftovers like .build-stamp are not for the public.
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders(reply, file) {
      reply.header('x-content-type-options', 'nosniff');
      if (file.endsWith('.html')) {
        for (const [name, value] of Object.entries(PAGE_HEADERS)) reply.header(name, value);
      } else if (file.includes(assets)) {
        reply.header('cache-control', IMMUTABLE);
      } else {
        reply.header('cache-control', 'public, max-age=3600');
      }
    },
  });
}

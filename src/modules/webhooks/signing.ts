// Webhook signatures. Each request carries the time it was signed and an HMAC-SHA256 of
// `<timestamp>.<body>` under the endpoint's secret, so a receiver can tell that iBet sent the
// body (the signature) and refuse an old request replayed later (the timestamp). During a
// secret rotation the request carries one signature per live secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const HEADER_ID = 'ibet-webhook-id';
export const HEADER_TIMESTAMP = 'ibet-webhook-timestamp';
export const HEADER_SIGNATURE = 'ibet-webhook-signature';
export const HEADER_EVENT = 'ibet-webhook-event';

/** How old a signed request a receiver should still accept, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` and 256 random bits. */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

/** `v1=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers of one attempt: the delivery id, the time and a signature per secret. */
export function signedHeaders(
  deliveryId: string,
  eventType: string,
  secrets: readonly string[],
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'iBet-Webhooks/1',
    [HEADER_ID]: deliveryId,
    [HEADER_EVENT]: eventType,
    [HEADER_TIMESTAMP]: String(timestamp),
    [HEADER_SIGNATURE]: secrets.map((s) => signature(s, timestamp, body)).join(' '),
  };
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing_headers' | 'bad_signature' | 'too_old' | 'from_the_future' };

/**
 * What a receiver does with a request (also the example in docs/b2b-api.md): recompute the
 * signature over the raw body, compare in constant time against each one offered, and refuse a
 * timestamp outside the tolerance.
 */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): VerifyResult {
  if (!headers.timestamp || !headers.signature || !/^\d{1,12}$/.test(headers.timestamp)) {
    return { ok: false, reason: 'missing_headers' };
  }
  const timestamp = Number(headers.timestamp);
  const expected = Buffer.from(signature(secret, timestamp, rawBody));
  const matches = headers.signature
    .split(' ')
    .map((s) => Buffer.from(s))
    .some((offered) => offered.length === expected.length && timingSafeEqual(offered, expected));
  if (!matches) return { ok: false, reason: 'bad_signature' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (timestamp < now - tolerance) return { ok: false, reason: 'too_old' };
  if (timestamp > now + tolerance) return { ok: false, reason: 'from_the_future' };
  return { ok: true, timestamp };
}

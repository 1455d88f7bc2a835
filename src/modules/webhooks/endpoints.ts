// Webhook endpoints a partner configures in the portal: a URL (checked against SSRF, see
// addresses.ts), the event types it wants, and a signing secret shown once — when the
// endpoint is made and when the secret is rotated. A rotated secret keeps signing, as a second
// signature, for a grace period the partner chooses, so a receiver can switch over.
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { checkEndpointUrl } from './addresses.ts';
import { generateSecret } from './signing.ts';

export const WEBHOOK_EVENT_TYPES = ['bet.settled', 'event.result', 'market.status'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Endpoints a partner may have at once. */
export const MAX_ENDPOINTS = 10;
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;

export interface Actor {
  id: string;
  kind: 'player' | 'staff' | 'partner';
  context?: RequestContext | undefined;
}

export interface EndpointView {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string;
  status: 'active' | 'disabled';
  /** Until when the previous secret also signs (after a rotation). */
  previousSecretExpiresAt: string | null;
  createdAt: string;
}

interface EndpointRow {
  id: string;
  url: string;
  event_types: WebhookEventType[];
  description: string;
  disabled_at: Date | null;
  previous_expires_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, url, event_types, description, disabled_at, previous_expires_at, created_at';

const present = (row: EndpointRow): EndpointView => ({
  id: row.id,
  url: row.url,
  eventTypes: WEBHOOK_EVENT_TYPES.filter((t) => row.event_types.includes(t)),
  description: row.description,
  status: row.disabled_at ? 'disabled' : 'active',
  previousSecretExpiresAt:
    row.previous_expires_at && row.previous_expires_at > new Date()
      ? row.previous_expires_at.toISOString()
      : null,
  createdAt: row.created_at.toISOString(),
});

function checkTypes(types: readonly string[]): WebhookEventType[] {
  const unknown = types.filter((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0 || types.length === 0) {
    throw new DomainError(
      'unknown_event_type',
      'invalid',
      `Event types are one or more of: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      { field: 'eventTypes', eventTypes: unknown },
    );
  }
  return WEBHOOK_EVENT_TYPES.filter((t) => types.includes(t));
}

const endpointNotFound = () => notFound('webhook_endpoint');

async function lockEndpoint(tx: Tx, partnerId: string, id: string): Promise<EndpointRow> {
  const [row] = await tx.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM webhooks.endpoints WHERE id = $1 AND partner_id = $2 FOR UPDATE`,
    [id, partnerId],
  );
  if (!row) throw endpointNotFound(); // another partner's endpoint does not exist for this one
  return row;
}

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string | undefined;
}

/** Creates an endpoint; the answer holds its signing secret, which is never shown again. */
export async function createEndpoint(
  db: Db,
  partner: Actor,
  input: NewEndpoint,
  options: { allowInsecure: boolean },
): Promise<{ endpoint: EndpointView; secret: string }> {
  const url = checkEndpointUrl(input.url, options.allowInsecure);
  const types = checkTypes(input.eventTypes);
  const secret = generateSecret();
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM identity.partners WHERE account_id = $1 FOR UPDATE', [
      partner.id,
    ]);
    const [count] = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM webhooks.endpoints WHERE partner_id = $1 AND disabled_at IS NULL',
      [partner.id],
    );
    if (count!.n >= MAX_ENDPOINTS) {
      throw new DomainError(
        'webhook_endpoint_limit_reached',
        'conflict',
        `A partner may have ${MAX_ENDPOINTS} active endpoints; disable one first.`,
        { max: MAX_ENDPOINTS },
      );
    }
    const [row] = await tx.query<EndpointRow>(
      `INSERT INTO webhooks.endpoints (partner_id, url, event_types, description, secret)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [partner.id, url, types, (input.description ?? '').trim(), secret],
    );
    await audit(tx, {
      actor: { id: partner.id, kind: partner.kind },
      action: 'webhook_endpoint.created',
      target: { type: 'webhook_endpoint', id: row!.id },
      details: { url, eventTypes: types },
      context: partner.context,
    });
    return { endpoint: present(row!), secret };
  });
}

export interface EndpointChanges {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  description?: string | undefined;
  /** false disables the endpoint (nothing more is queued for it); true enables it again. */
  active?: boolean | undefined;
}

export async function updateEndpoint(
  db: Db,
  partner: Actor,
  id: string,
  changes: EndpointChanges,
  options: { allowInsecure: boolean },
): Promise<EndpointView> {
  const url =
    changes.url === undefined ? undefined : checkEndpointUrl(changes.url, options.allowInsecure);
  const types = changes.eventTypes === undefined ? undefined : checkTypes(changes.eventTypes);
  return db.transaction(async (tx) => {
    const current = await lockEndpoint(tx, partner.id, id);
    const [row] = await tx.query<EndpointRow>(
      `UPDATE webhooks.endpoints SET url = $2, event_types = $3, description = $4,
         disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at
                            WHEN $5 THEN NULL ELSE COALESCE(disabled_at, now()) END
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        url ?? current.url,
        types ?? current.event_types,
        changes.description?.trim() ?? current.description,
        changes.active ?? null,
      ],
    );
    await audit(tx, {
      actor: { id: partner.id, kind: partner.kind },
      action: 'webhook_endpoint.updated',
      target: { type: 'webhook_endpoint', id },
      details: {
        ...(url ? { url } : {}),
        ...(types ? { eventTypes: types } : {}),
        ...(changes.active === undefined ? {} : { active: changes.active }),
      },
      context: partner.context,
    });
    return present(row!);
  });
}

/** A new signing secret; the old one also signs for `graceSeconds` more (0: it stops now). */
export async function rotateSecret(
  db: Db,
  partner: Actor,
  id: string,
  graceSeconds = 0,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const secret = generateSecret();
  return db.transaction(async (tx) => {
    await lockEndpoint(tx, partner.id, id);
    const [row] = await tx.query<EndpointRow>(
      `UPDATE webhooks.endpoints
       SET previous_secret = CASE WHEN $3 > 0 THEN secret END,
           previous_expires_at = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) END,
           secret = $2
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, secret, graceSeconds],
    );
    await audit(tx, {
      actor: { id: partner.id, kind: partner.kind },
      action: 'webhook_endpoint.secret_rotated',
      target: { type: 'webhook_endpoint', id },
      details: { graceSeconds },
      context: partner.context,
    });
    return { endpoint: present(row!), secret };
  });
}

export async function listEndpoints(q: Queryable, partnerId: string): Promise<EndpointView[]> {
  const rows = await q.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM webhooks.endpoints WHERE partner_id = $1 ORDER BY created_at, id`,
    [partnerId],
  );
  return rows.map(present);
}

export async function getEndpoint(
  q: Queryable,
  partnerId: string,
  id: string,
): Promise<EndpointView> {
  const [row] = await q.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM webhooks.endpoints WHERE id = $1 AND partner_id = $2`,
    [id, partnerId],
  );
  if (!row) throw endpointNotFound();
  return present(row);
}

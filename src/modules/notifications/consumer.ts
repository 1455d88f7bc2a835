// Turns outbox events into messages for the player they concern. Runs as a durable consumer:
// each event is handled once, in the same transaction that records it as handled (a published
// batch of events in one statement).
import type { Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { currencyExponent } from '../../platform/money.ts';
import { isUuid } from '../../platform/uuid.ts';

function money(minor: string, currency: string): string {
  const exponent = currencyExponent(currency);
  const digits = minor.padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  return `${exponent ? `${whole}.${digits.slice(-exponent)}` : whole} ${currency}`;
}

interface Message {
  accountId: string;
  kind: string;
  title: string;
  body: string;
}

const DIGITS = /^\d{1,18}$/;
const CURRENCY = /^[A-Z]{3}$/;

/** Whether the payload has what its message needs; a malformed event is skipped, never retried. */
function wellFormed(type: string, p: Record<string, unknown>): boolean {
  const owner = type === 'bet.settled' ? p.playerId : p.ownerId;
  if (!isUuid(owner)) return false;
  if (typeof p.currency !== 'string' || !CURRENCY.test(p.currency)) return false;
  const amounts = type === 'bet.settled' ? [p.stake, p.payout] : [p.amount];
  return amounts.every((a) => typeof a === 'string' && DIGITS.test(a));
}

function messageFor(event: OutboxEvent): Message | undefined {
  const p = event.payload as Record<string, string>;
  // A poison event must not stop the relay for every other consumer.
  if (!wellFormed(event.type, p)) return undefined;
  switch (event.type) {
    case 'bet.settled': {
      const titles = { won: 'Your bet won', lost: 'Your bet lost', void: 'Your bet was void' };
      const title = titles[p.status as keyof typeof titles];
      const body =
        p.status === 'lost'
          ? `Stake ${money(p.stake!, p.currency!)} lost.`
          : `${money(p.payout!, p.currency!)} paid to your balance.`;
      return { accountId: p.playerId!, kind: event.type, title, body };
    }
    case 'wallet.deposit.completed':
      return {
        accountId: p.ownerId!,
        kind: event.type,
        title: 'Deposit received',
        body: `${money(p.amount!, p.currency!)} added to your balance.`,
      };
    case 'wallet.withdrawal.completed':
      return {
        accountId: p.ownerId!,
        kind: event.type,
        title: 'Withdrawal sent',
        body: `${money(p.amount!, p.currency!)} is on its way.`,
      };
    case 'wallet.withdrawal.failed':
      return {
        accountId: p.ownerId!,
        kind: event.type,
        title: 'Withdrawal failed',
        body: `${money(p.amount!, p.currency!)} was returned to your balance.`,
      };
    default:
      return undefined;
  }
}

async function writeMessages(tx: Tx, events: readonly OutboxEvent[]): Promise<void> {
  const messages = events.flatMap((event) => {
    const message = messageFor(event);
    return message ? [{ ...message, eventId: event.id }] : [];
  });
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO notifications.messages (account_id, event_id, kind, title, body)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (event_id, account_id) DO NOTHING`,
    [
      messages.map((m) => m.accountId),
      messages.map((m) => m.eventId),
      messages.map((m) => m.kind),
      messages.map((m) => m.title),
      messages.map((m) => m.body),
    ],
  );
}

export const playerMessages: Consumer = {
  name: 'notifications.player-messages',
  types: [
    'bet.settled',
    'wallet.deposit.completed',
    'wallet.withdrawal.completed',
    'wallet.withdrawal.failed',
  ],
  handle: (tx, event) => writeMessages(tx, [event]),
  handleBatch: writeMessages,
};

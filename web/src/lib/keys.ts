// Idempotency keys for requests that move money (bets, deposits, withdrawals, results). The
// client creates the key, keeps it, and reuses it on every retry of the same operation, so a
// retry after a lost answer never places a bet or moves money twice (see docs/api.md).

/** A fresh key. crypto.randomUUID needs a secure context (not plain http on a LAN). */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  const parts = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return `${parts.join('-')}-${hex.slice(20)}`;
}

interface Pending {
  key: string;
  body: string;
}

/**
 * Operations whose outcome is unknown, by purpose ("bet", "deposit" …). Kept in memory for
 * the page's life: moving between screens and coming back still retries with the same key.
 */
const pending = new Map<string, Pending>();

/**
 * Runs `send` with the key of `purpose`: the kept key when `body` is exactly the body of the
 * attempt whose outcome is unknown (a retry), a new key otherwise. A definite answer — done
 * or refused — forgets the key; an unknown one (see `isOutcomeUnknown`) keeps it.
 */
export async function withIdempotencyKey<T>(
  purpose: string,
  body: unknown,
  send: (key: string) => Promise<T>,
  isOutcomeUnknown: (error: unknown) => boolean,
): Promise<T> {
  const text = JSON.stringify(body);
  const kept = pending.get(purpose);
  const key = kept?.body === text ? kept.key : newKey();
  pending.set(purpose, { key, body: text });
  try {
    const result = await send(key);
    pending.delete(purpose);
    return result;
  } catch (error) {
    if (!isOutcomeUnknown(error)) pending.delete(purpose);
    throw error;
  }
}

/** True while a retry of `purpose` would reuse its key. */
export function hasPending(purpose: string): boolean {
  return pending.has(purpose);
}

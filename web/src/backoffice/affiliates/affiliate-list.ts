// Every affiliate account, for the plan and statement screens' choosers (the partner list is
// paged; an operator has at most a few thousand affiliates, read 100 at a time).
import type { ApiClient } from '../../api/client.ts';
import type { Result } from '../../api/operations.ts';

export type Affiliate = Result<'GET /api/v1/admin/partners'>['items'][number];

export async function loadAffiliates(client: ApiClient, signal: AbortSignal): Promise<Affiliate[]> {
  const all: Affiliate[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const answer = await client.call('GET /api/v1/admin/partners', {
      query: { type: 'affiliate', limit: 100, ...(cursor ? { cursor } : {}) },
      signal,
    });
    all.push(...answer.items);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return all;
}

/** "Company (email)": how a partner is named in lists. */
export function affiliateName(partner: Affiliate | undefined, id: string): string {
  return partner ? `${partner.companyName} (${partner.email})` : id;
}

// Topic names. Clients name `me` for their own bets and balance; inside, that is
// `player:<account id>`, so frames for one player reach only that player's connections.
import type { Principal } from '../../platform/http/access.ts';

export type TopicKind = 'event' | 'market' | 'sport' | 'player';

export interface Topic {
  kind: TopicKind;
  id: string;
  /** Internal name: `event:<id>` … `player:<id>`. */
  name: string;
  /** What the client called it (`me` for its own player topic). */
  label: string;
  /** Only its owner may subscribe. */
  private: boolean;
}

export type TopicError = { code: string; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PUBLIC: readonly TopicKind[] = ['event', 'market', 'sport'];

/** Resolves a client's topic name for this connection, or says why it may not have it. */
export function resolveTopic(label: string, principal: Principal | undefined): Topic | TopicError {
  if (label === 'me' || label.startsWith('player:')) {
    if (!principal) {
      return {
        code: 'unauthenticated',
        message: `"${label}" needs a signed-in player: send {"op":"auth","token":…} first.`,
      };
    }
    if (principal.kind !== 'player') {
      return { code: 'forbidden', message: `"${label}" is for player accounts.` };
    }
    if (label !== 'me' && label !== `player:${principal.accountId}`) {
      return { code: 'forbidden', message: 'You may subscribe to your own bets and balance only.' };
    }
    return {
      kind: 'player',
      id: principal.accountId,
      name: `player:${principal.accountId}`,
      label: 'me',
      private: true,
    };
  }
  const colon = label.indexOf(':');
  const kind = label.slice(0, colon) as TopicKind;
  if (colon < 0 || !PUBLIC.includes(kind)) {
    return {
      code: 'unknown_topic',
      message: `Unknown topic "${label.slice(0, 80)}": use me, event:<id>, market:<id> or sport:<id>.`,
    };
  }
  const id = label.slice(colon + 1);
  if (!UUID.test(id)) {
    return { code: 'invalid_topic', message: `"${kind}:" takes a lowercase UUID.` };
  }
  return { kind, id, name: label, label, private: false };
}

export const isTopicError = (t: Topic | TopicError): t is TopicError => 'code' in t;

/** The client-facing name of a topic in frames (private topics are always `me`). */
export const labelOf = (name: string): string => (name.startsWith('player:') ? 'me' : name);

import { beforeAll, describe, expect, it } from 'vitest';
import type { Player } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { legOn, placeBet } from '../../../test/support/betting-helpers.ts';
import { createTestDb } from '../../../test/support/db.ts';
import type { Db, Tx } from '../../platform/db/db.ts';

/**
 * A database handle that notes the statements of its transactions while `recording` is on:
 * BEGIN and COMMIT are a round trip each, like every statement in between.
 */
function recordingDb() {
  const state = {
    inner: undefined as Db | undefined,
    recording: false,
    statements: [] as string[],
  };
  const inner = () => {
    if (!state.inner) throw new Error('the database is not open yet');
    return state.inner;
  };
  const note = (text: string) => {
    if (state.recording) state.statements.push(text.trim().split(/\s+/).slice(0, 3).join(' '));
  };
  const db = {
    get engine() {
      return inner().engine;
    },
    get gate() {
      return inner().gate;
    },
    query: (text: string, params?: readonly unknown[]) => inner().query(text, params),
    transaction<T>(fn: (tx: Tx) => Promise<T>, options?: { attempts?: number }) {
      return inner().transaction(async (tx) => {
        note('BEGIN');
        const counted = {
          query: (text: string, params?: readonly unknown[]) => {
            note(text);
            return tx.query(text, params);
          },
          script: (text: string) => tx.script(text),
        } as unknown as Tx;
        const result = await fn(counted);
        note('COMMIT');
        return result;
      }, options);
    },
    close: () => inner().close(),
  } as Db;
  return { state, db };
}

describe('round trips of a placement', () => {
  const recorder = recordingDb();
  beforeAll(async () => {
    recorder.state.inner = await createTestDb();
  });
  const t = useTestApp({ db: recorder.db });
  let player: Player | undefined;

  const statementsOf = async (legs: { id: string; price: string }[]) => {
    if (!player) {
      player = await t.player();
      await t.deposit(player, 1_000_000n);
    }
    recorder.state.statements = [];
    recorder.state.recording = true;
    try {
      const response = await placeBet(t, player, { stake: '100', legs: legs.map(legOn) });
      expect(response.status).toBe(201);
    } finally {
      recorder.state.recording = false;
    }
    return recorder.state.statements;
  };

  it('places a plain single in at most 8 round trips inside its transaction', async () => {
    const [m] = (await t.event()).markets;
    // The first bet on a selection creates its liability rows; the figure is for the next ones.
    await statementsOf([m.selections[0]]);
    const statements = await statementsOf([m.selections[0]]);
    expect(statements, statements.join('\n')).toHaveLength(8);
  });

  it('places a 3-leg multiple with one round trip more than a single, for the acca offers', async () => {
    const markets = await Promise.all([t.event(), t.event(), t.event()]);
    const legs = markets.map((e) => e.markets[0].selections[0]);
    await statementsOf(legs);
    const statements = await statementsOf(legs);
    expect(statements, statements.join('\n')).toHaveLength(9);
  });
});

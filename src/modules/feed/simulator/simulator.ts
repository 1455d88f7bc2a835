// The live-match simulator: a feed provider that keeps a few football and tennis matches
// going — published a little before kick-off, played in-play at IBET_SIMULATOR_SPEED times
// real speed, resulted and settled — and starts the next one when a match ends. Its
// messages go through the same adapter as a real provider's.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../../../platform/db/db.ts';
import { getEventHeader } from '../../catalog/index.ts';
import type { FeedProvider, FeedSink } from '../provider.ts';
import {
  type Body,
  footballMatch,
  type MatchContext,
  planMatch,
  type Step,
  tennisMatch,
} from './matches.ts';
import { type Random, seededRandom } from './random.ts';

export const SIMULATOR = 'simulator';

export interface SimulatorOptions {
  db: Db;
  speed: number;
  football: number;
  tennis: number;
  log?: Logger;
  /** Match seconds between a fixture's publication and its kick-off (default 10 minutes). */
  leadSeconds?: number;
  /** Match seconds between the end of a match and the next one in its slot. */
  pauseSeconds?: number;
  random?: Random;
  now?: () => Date;
}

export interface Simulator extends FeedProvider {
  /** Plays one whole match through the sink, waiting `sleep` between steps; its fixture id. */
  play(sport: 'football' | 'tennis', sleep?: (ms: number) => Promise<void>): Promise<string>;
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const random = options.random ?? seededRandom(randomBytes(4).readUInt32LE(0));
  const now = options.now ?? (() => new Date());
  const ctx: MatchContext = { random, now, speed: options.speed };
  let sink: FeedSink | undefined;
  let stopped = false;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const loops: Promise<void>[] = [];
  /** Earlier runs' unfinished matches are tidied up before this run plays its own. */
  let tidied: Promise<void> = Promise.resolve();
  const mine = new Set<string>();
  let lastTs = 0;

  const realSleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  const deliver = async (fixture: string, id: string, body: Body) => {
    if (!sink) throw new Error('the simulator is not started');
    lastTs = Math.max(Date.now(), lastTs + 1);
    const message = { ...body, id: `${fixture}:${id}`, ts: lastTs, fixture };
    const result = await sink(message);
    if (result.outcome === 'invalid' || result.outcome === 'rejected') {
      options.log?.warn({ fixture, kind: body.kind, ...result }, 'simulator message not applied');
    }
  };

  const play = async (
    sport: 'football' | 'tennis',
    sleep: (ms: number) => Promise<void> = realSleep,
  ): Promise<string> => {
    await tidied;
    const fixture = `sim-${randomBytes(6).toString('hex')}`;
    mine.add(fixture);
    const plan = planMatch(sport, random, options.leadSeconds ?? 600);
    const script: Generator<Step> =
      sport === 'football' ? footballMatch(plan, ctx) : tennisMatch(plan, ctx);
    let n = 0;
    for (const step of script) {
      if (stopped && sleep === realSleep) return fixture;
      if ('wait' in step) await sleep((step.wait * 1000) / options.speed);
      else await deliver(fixture, String(++n), step.send);
    }
    return fixture;
  };

  /** Matches left unfinished by an earlier run (a restart) are cancelled and their markets void. */
  const abandonUnfinished = async () => {
    const rows = await options.db.query<{ external_id: string; event_id: string }>(
      `SELECT external_id, event_id FROM feed.fixtures
       WHERE provider = $1 AND created_at > now() - interval '2 days' ORDER BY created_at`,
      [SIMULATOR],
    );
    for (const row of rows) {
      if (mine.has(row.external_id)) continue;
      const event = await getEventHeader(options.db, row.event_id);
      if (event.status !== 'scheduled' && event.status !== 'live') continue;
      const markets = await options.db.query<{ market_key: string }>(
        'SELECT market_key FROM feed.markets WHERE provider = $1 AND external_id = $2 ORDER BY market_key',
        [SIMULATOR, row.external_id],
      );
      await deliver(row.external_id, 'abandoned', { kind: 'status', status: 'cancelled' });
      for (const { market_key } of markets) {
        await deliver(row.external_id, `void:${market_key}`, {
          kind: 'result',
          market: market_key,
          void: true,
        });
      }
      options.log?.info(
        { event: event.name },
        'simulated match left unfinished by a restart: void',
      );
    }
  };

  const slot = async (sport: 'football' | 'tennis', index: number) => {
    // Staggered, so that matches do not all kick off at once.
    await realSleep((index * 240_000) / options.speed + index * 5000);
    while (!stopped) {
      try {
        await play(sport);
      } catch (error) {
        options.log?.error({ err: error }, 'simulated match failed; starting another');
      }
      await realSleep(((options.pauseSeconds ?? 300) * 1000) / options.speed);
    }
  };

  return {
    name: SIMULATOR,
    play,
    start(feedSink) {
      sink = feedSink;
      stopped = false;
      tidied = abandonUnfinished().catch((error) =>
        options.log?.warn({ err: error }, 'could not tidy up earlier simulated matches'),
      );
      loops.push(
        (async () => {
          await tidied;
          const all = [
            ...Array.from({ length: options.football }, (_, i) => slot('football', i)),
            ...Array.from({ length: options.tennis }, (_, i) =>
              slot('tennis', i + options.football),
            ),
          ];
          await Promise.all(all);
        })(),
      );
    },
    async stop() {
      stopped = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      await Promise.all(loops);
      loops.length = 0;
    },
  };
}

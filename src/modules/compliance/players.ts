// A player's compliance record: their jurisdiction (chosen by country at registration), KYC
// status, reality-check choice and whether they answered the limits prompt. Players without
// a record (registered before it existed, or seeded) follow the `default` pack.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { findAccount } from '../identity/index.ts';
import { type JurisdictionPack, jurisdictionOf, packOf } from './jurisdictions.ts';

export type KycStatus = 'none' | 'pending' | 'verified' | 'rejected';

export interface PlayerRecord {
  playerId: string;
  jurisdiction: string;
  pack: JurisdictionPack;
  kycStatus: KycStatus;
  limitsPromptAnswered: Date | null;
  realityCheckMinutes: number | null;
  realityChecksOff: boolean;
}

interface Row {
  jurisdiction: string;
  kyc_status: KycStatus;
  limits_prompt_answered: Date | null;
  reality_check_minutes: number | null;
  reality_checks_off: boolean;
}

const present = (playerId: string, row: Row | undefined): PlayerRecord => ({
  playerId,
  jurisdiction: packOf(row?.jurisdiction).id,
  pack: packOf(row?.jurisdiction),
  kycStatus: row?.kyc_status ?? 'none',
  limitsPromptAnswered: row?.limits_prompt_answered ?? null,
  realityCheckMinutes: row?.reality_check_minutes ?? null,
  realityChecksOff: row?.reality_checks_off ?? false,
});

const COLUMNS =
  'jurisdiction, kyc_status, limits_prompt_answered, reality_check_minutes, reality_checks_off';

export async function readPlayer(q: Queryable, playerId: string): Promise<PlayerRecord> {
  const [row] = await q.query<Row>(
    `SELECT ${COLUMNS} FROM compliance.players WHERE player_id = $1`,
    [playerId],
  );
  return present(playerId, row);
}

/** Creates the record for a new player (in the registration's transaction). */
export async function createPlayerRecord(
  tx: Tx,
  playerId: string,
  jurisdiction: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO compliance.players (player_id, jurisdiction) VALUES ($1, $2)
     ON CONFLICT (player_id) DO NOTHING`,
    [playerId, jurisdiction],
  );
}

/**
 * Locks the player's record (creating it from their country if they have none), so that
 * compliance changes of one player queue one behind the other.
 */
export async function lockPlayer(
  tx: Tx,
  playerId: string,
  countries: Readonly<Record<string, string>>,
): Promise<PlayerRecord> {
  let [row] = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM compliance.players WHERE player_id = $1 FOR UPDATE`,
    [playerId],
  );
  if (!row) {
    const account = await findAccount(tx, playerId);
    await createPlayerRecord(tx, playerId, jurisdictionOf(account?.country, countries));
    [row] = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM compliance.players WHERE player_id = $1 FOR UPDATE`,
      [playerId],
    );
  }
  return present(playerId, row);
}

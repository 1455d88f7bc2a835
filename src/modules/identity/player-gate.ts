// What another module may add to a player's registration and sign-in without identity
// knowing its rules (responsible gambling: the jurisdiction's minimum age, national
// self-exclusion registers). The process wires one in (see app.ts); without one, identity
// applies only its own rules.
import type { Tx } from '../../platform/db/db.ts';

export interface GatedPlayer {
  id: string;
  email: string;
  displayName: string;
  country: string | null;
  dateOfBirth: string | null;
}

export interface PlayerGate {
  /** Before anything is written; throws a DomainError to refuse the registration. */
  admitRegistration(input: {
    email: string;
    displayName: string;
    dateOfBirth: string;
    country: string;
  }): Promise<void>;
  /** In the registration's transaction, once the account exists. */
  registered(tx: Tx, player: GatedPlayer): Promise<void>;
  /** In the transaction that starts a player's session (after the password or second factor). */
  signedIn(tx: Tx, player: GatedPlayer): Promise<void>;
}

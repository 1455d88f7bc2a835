import type { Db } from '../../platform/db/db.ts';
import { createStaff, findByEmail } from './accounts.ts';
import type { Argon2Params } from './passwords.ts';
import { enrolConfirmed } from './totp.ts';

/**
 * Creates the admin named by IBET_ADMIN_EMAIL / IBET_ADMIN_PASSWORD if it does not exist,
 * with IBET_ADMIN_TOTP_SECRET as its enrolled second factor when given (otherwise the admin
 * enrols one at first sign-in, as every staff member must).
 */
export async function ensureAdmin(
  db: Db,
  admin: { email: string; password: string; totpSecret?: string | undefined },
  argon2?: Argon2Params,
): Promise<boolean> {
  if (await findByEmail(db, 'staff', admin.email)) return false;
  try {
    const account = await createStaff(
      db,
      {
        email: admin.email,
        password: admin.password,
        displayName: 'Administrator',
        roles: ['admin'],
      },
      {
        ...(argon2 ? { argon2 } : {}),
        audit: { actor: null },
      },
    );
    const secret = admin.totpSecret;
    if (secret) await db.transaction((tx) => enrolConfirmed(tx, account.id, secret));
    return true;
  } catch (error) {
    // Another process created it at the same moment.
    if (await findByEmail(db, 'staff', admin.email)) return false;
    throw error;
  }
}

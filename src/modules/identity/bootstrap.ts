import type { Db } from '../../platform/db/db.ts';
import { createStaff, findByEmail } from './accounts.ts';

/** Creates the admin named by IBET_ADMIN_EMAIL / IBET_ADMIN_PASSWORD if it does not exist. */
export async function ensureAdmin(
  db: Db,
  admin: { email: string; password: string },
): Promise<boolean> {
  if (await findByEmail(db, 'staff', admin.email)) return false;
  try {
    await createStaff(db, {
      email: admin.email,
      password: admin.password,
      displayName: 'Administrator',
      roles: ['admin'],
    });
    return true;
  } catch (error) {
    // Another process created it at the same moment.
    if (await findByEmail(db, 'staff', admin.email)) return false;
    throw error;
  }
}

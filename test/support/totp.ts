// TOTP codes for tests, as an authenticator app would show them. The server accepts one step
// either side of now and never the same step twice, so each call returns a code of a step
// not yet used for that secret: now, then the next step (at most two per 30 s).
import { generate } from 'otplib';

const used = new Map<string, number>();

export async function totpCode(secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000 / 30);
  const last = used.get(secret) ?? -1;
  const step = Math.max(now, last + 1);
  if (step > now + 1) throw new Error('no unused TOTP step left for this secret; wait 30 s');
  used.set(secret, step);
  return generate({ secret, epoch: step * 30 });
}

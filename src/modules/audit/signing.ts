// Signatures of audit archives: HMAC-SHA256 with a shared secret, or Ed25519 with a private
// key (whose public half is enough to verify). Configured by IBET_AUDIT_SIGNING_KEY:
//   hmac:<secret of at least 32 characters>   or   ed25519:<base64 PKCS#8 DER private key>
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

export interface Signer {
  readonly algorithm: 'hmac-sha256' | 'ed25519';
  sign(message: string): string;
  verify(message: string, signature: string): boolean;
}

export function parseSigningKey(value: string): Signer {
  if (value.startsWith('ed25519:')) {
    const key: KeyObject = createPrivateKey({
      key: Buffer.from(value.slice('ed25519:'.length), 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 private key');
    const publicKey = createPublicKey(key);
    return {
      algorithm: 'ed25519',
      sign: (message) => sign(null, Buffer.from(message), key).toString('base64'),
      verify: (message, signature) =>
        verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'base64')),
    };
  }
  const secret = value.startsWith('hmac:') ? value.slice('hmac:'.length) : value;
  if (secret.length < 32) throw new Error('an HMAC secret needs at least 32 characters');
  const mac = (message: string) => createHmac('sha256', secret).update(message).digest();
  return {
    algorithm: 'hmac-sha256',
    sign: (message) => mac(message).toString('base64'),
    verify: (message, signature) => {
      const given = Buffer.from(signature, 'base64');
      const expected = mac(message);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

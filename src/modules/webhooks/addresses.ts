// Which endpoint addresses a webhook may be sent to. In production an endpoint is an https://
// URL on a public address: loopback, private, link-local and other special ranges are refused,
// both when the URL is saved and for every address its name resolves to when a delivery
// connects (the check runs in the connection's own DNS lookup, so a name that changes its
// answer between the two cannot point the worker at an internal service).
// IBET_WEBHOOK_ALLOW_INSECURE=true lifts both rules for development and tests.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../../platform/errors.ts';

const special = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  special.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  special.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local, reserved or otherwise not public. */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one. (No rule
    // for ::ffff:0:0/96 itself: BlockList would then match every IPv4 address against it.)
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return special.check(mapped[1]!, 'ipv4');
    return special.check(address, 'ipv6');
  }
  return special.check(address, 'ipv4');
}

const refused = (message: string) =>
  new DomainError('webhook_url_not_allowed', 'invalid', message, { field: 'url' });

/** Checks a URL a partner gives for an endpoint; returns it normalised. */
export function checkEndpointUrl(raw: string, allowInsecure: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError('webhook_url_invalid', 'invalid', 'The URL is not valid.', {
      field: 'url',
    });
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    throw refused('Webhook endpoints must use https://.');
  }
  if (url.username || url.password) {
    throw refused('Put credentials in the signature check, not in the URL.');
  }
  if (!allowInsecure) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (isIP(host) ? isSpecialAddress(host) : isInternalName(host)) {
      throw refused('Webhook endpoints must be on a public address.');
    }
  }
  url.hash = '';
  return url.toString();
}

function isInternalName(host: string): boolean {
  return (
    !host.includes('.') || /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/.test(host)
  );
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http(s).request that refuses names resolving to special addresses. */
export function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isSpecialAddress(a.address));
    if (bad || list.length === 0) {
      const refusal = Object.assign(
        new Error(`${hostname} resolves to an address that is not public`),
        { code: 'EADDRNOTPUBLIC' },
      );
      return callback(refusal, []);
    }
    if (options.all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

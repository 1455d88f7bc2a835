// The player site speaks English and German: every text exists in both, with the same
// placeholders, so that no German reader meets a key or a "{balance}".
import { describe, expect, it } from 'vitest';
import { de } from '../../web/src/lib/messages/de.ts';
import { en } from '../../web/src/lib/messages/en.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the texts of the web apps', () => {
  it('has a German text for every English one, and nothing else', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(de[key]), key).toEqual(placeholders(en[key]));
      expect(de[key].trim(), key).not.toBe('');
    }
  });

  it('has a message for the common problem codes of docs/api.md', () => {
    for (const code of [
      'invalid_credentials',
      'mfa_invalid',
      'step_up_required',
      'odds_changed',
      'market_not_open',
      'event_started',
      'insufficient_funds',
      'stake_out_of_range',
      'amount_out_of_range',
      'weak_password',
      'email_taken',
      'link_invalid',
      'too_many_attempts',
      'payment_provider_unavailable',
      'permission_not_held',
      'api_key_limit_reached',
    ]) {
      expect(Object.keys(en), code).toContain(`problem.${code}`);
    }
  });
});

// The boundary to a payment service provider (PSP). A real PSP adapter implements the same
// interface; the sandbox completes every request at once so that iBet runs end to end
// without one.
import { randomUUID } from 'node:crypto';

export interface PaymentRequest {
  paymentId: string;
  ownerId: string;
  amount: bigint;
  currency: string;
}

export type PaymentResult =
  | { status: 'completed'; providerRef: string }
  | { status: 'failed'; providerRef?: string; reason: string };

export interface PaymentProvider {
  readonly name: string;
  /** Collects money from the player (card, bank transfer …). */
  collect(request: PaymentRequest): Promise<PaymentResult>;
  /** Pays money out to the player. */
  payout(request: PaymentRequest): Promise<PaymentResult>;
}

export const sandboxProvider: PaymentProvider = {
  name: 'sandbox',
  async collect() {
    return { status: 'completed', providerRef: `sandbox-${randomUUID()}` };
  },
  async payout() {
    return { status: 'completed', providerRef: `sandbox-${randomUUID()}` };
  },
};

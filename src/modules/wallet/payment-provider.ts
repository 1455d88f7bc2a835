// The boundary to a payment service provider (PSP). A real PSP adapter implements the same
// interface; the sandbox completes every request at once so that iBet runs end to end
// without one.
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
  /**
   * The outcome of an earlier collect or payout whose answer was lost (reconciliation):
   * `pending` while the PSP has not decided, or does not know the payment yet.
   */
  lookup(
    request: PaymentRequest & { direction: 'deposit' | 'withdrawal' },
  ): Promise<PaymentResult | { status: 'pending' }>;
}

/** Approves everything at once; its reference is derived from the payment id. */
export const sandboxProvider: PaymentProvider = {
  name: 'sandbox',
  async collect(request) {
    return { status: 'completed', providerRef: `sandbox-${request.paymentId}` };
  },
  async payout(request) {
    return { status: 'completed', providerRef: `sandbox-${request.paymentId}` };
  },
  async lookup(request) {
    return { status: 'completed', providerRef: `sandbox-${request.paymentId}` };
  },
};

// Captured: nothing leaves the process. The message stays in the database, where the back
// office reads it (GET /api/v1/admin/mail for mail, the deliveries list for the rest): the
// embedded default, so sign-up and password reset work on a laptop without a mail server.
import type { Channel, Provider } from '../channels.ts';

export function capturedProvider(channel: Channel): Provider {
  return {
    name: 'captured',
    channel,
    async send() {
      return { providerMessageId: null };
    },
  };
}

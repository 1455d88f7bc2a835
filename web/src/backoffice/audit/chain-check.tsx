// The audit log's hash chains checked end to end (and, on request, against the archived
// segments too): how many records each chain holds, and every broken link with its reason.
import { useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField } from '../../ui/forms.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useReport } from '../../ui/notices.tsx';

type Verification = Result<'POST /api/v1/admin/audit/verify'>;

export function ChainCheck() {
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [archives, setArchives] = useState(false);
  const [result, setResult] = useState<Verification | null>(null);
  const verify = () =>
    run(async () => {
      try {
        setResult(
          await client.call('POST /api/v1/admin/audit/verify', {
            query: archives ? { archives: true } : {},
          }),
        );
      } catch (error) {
        report(error);
      }
    });
  return (
    <section className="panel stack" aria-labelledby="chain-heading">
      <h2 id="chain-heading">Chain verification</h2>
      <p className="muted">
        Every record is sealed into one of the hash chains; verifying recomputes each link and
        compares it with the stored head.
      </p>
      <div className="actions">
        <CheckboxField
          label="Include the archived segments"
          checked={archives}
          onChange={(e) => setArchives(e.target.checked)}
        />
        <button
          type="button"
          onClick={() => void verify()}
          disabled={busy}
          aria-busy={busy || undefined}
        >
          {busy ? 'Verifying…' : 'Verify the chains'}
        </button>
      </div>
      {result ? (
        <div className="stack" data-testid="chain-result" role="status">
          <p className={`callout ${result.ok ? 'callout-ok' : 'callout-error'}`}>
            {result.ok
              ? `The chains hold: ${result.records} records${result.archivedRecords ? ` and ${result.archivedRecords} archived` : ''} in ${result.chains.length} chains.`
              : `${result.broken.length} broken link${result.broken.length === 1 ? '' : 's'} found.`}
          </p>
          {result.broken.length > 0 ? (
            <table className="table">
              <caption className="visually-hidden">Broken links</caption>
              <thead>
                <tr>
                  <th scope="col">Chain</th>
                  <th scope="col">Position</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {result.broken.map((b) => (
                  <tr key={`${b.chain}-${b.seq}-${b.reason}`}>
                    <td>{b.chain}</td>
                    <td>{b.seq}</td>
                    <td>{b.reason.replaceAll('_', ' ')}</td>
                    <td>{b.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

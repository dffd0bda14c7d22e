import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api';
import type { AnchorStatus, AuditSummary, Health, Me } from '../api-types';
import { formatDuration, formatTime } from '../format';
import { useApi } from '../use-api';

/** Service health, anchoring (is the data on chain, how far behind) and, for operators and auditors, an audit. */
export function StatusPage({ me }: { me: Me }) {
  const health = useApi<Health>('/api/health', 15_000);
  const anchors = useApi<AnchorStatus>('/api/anchors/status', 15_000);
  const a = anchors.data;
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">Status</h1>
      <div class="grid">
        <article aria-labelledby="health-title">
          <h2 id="health-title">Service</h2>
          {health.data ? (
            <>
              <p>
                Overall: <span class={`badge health-${health.data.status}`}>{health.data.status}</span>
              </p>
              <ul>
                {Object.entries(health.data.components).map(([name, c]) => (
                  <li key={name}>
                    {name}: <span class={`badge health-${c.status}`}>{c.status}</span>
                    {c.detail ? ` (${c.detail})` : ''}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p aria-busy="true">Loading…</p>
          )}
        </article>
        <article aria-labelledby="anchor-title">
          <h2 id="anchor-title">Anchoring</h2>
          {anchors.error && <p class="error">{anchors.error}</p>}
          {a && (
            <dl>
              <dt>Chain</dt>
              <dd>
                {a.chain.kind}
                {a.chain.chainId !== null ? ` (chain id ${a.chain.chainId})` : ''} ·{' '}
                <span class={`badge health-${a.chain.reachable ? 'up' : 'down'}`}>{a.chain.reachable ? 'reachable' : 'unreachable'}</span>
                {a.chain.lastError ? ` ${a.chain.lastError}` : ''}
              </dd>
              <dt>Last anchored batch</dt>
              <dd>
                {a.lastAnchored ? (
                  <>
                    #{a.lastAnchored.id}, block {a.lastAnchored.blockNumber}, up to {formatTime(a.lastAnchored.end)} <br />
                    <small>
                      tx <code class="wrap">{a.lastAnchored.txHash}</code>
                    </small>
                  </>
                ) : (
                  'none yet'
                )}
              </dd>
              <dt>Lag behind ingest</dt>
              <dd>{a.lastAnchored ? formatDuration(a.lagMs) : '—'}</dd>
              <dt>Sealed, not yet on chain</dt>
              <dd>{a.backlog} batch{a.backlog === 1 ? '' : 'es'}</dd>
              <dt>Readings InfluxDB refused</dt>
              <dd>{a.deadLettered}</dd>
            </dl>
          )}
        </article>
      </div>
      <Audit me={me} />
    </section>
  );
}

function Audit({ me }: { me: Me }) {
  const [report, setReport] = useState<AuditSummary>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (me.role !== 'admin' && me.role !== 'operator' && me.role !== 'auditor') {
    return (
      <article aria-labelledby="audit-title">
        <h2 id="audit-title">Audit</h2>
        <p class="muted">Audits are run by operators and auditors; the anchoring above says whether readings reach the chain.</p>
      </article>
    );
  }
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const to = Date.now();
      setReport(await api<AuditSummary>(`/api/audit${query({ from: to - 3_600_000, to })}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article aria-labelledby="audit-title">
      <h2 id="audit-title">Audit</h2>
      <p>Rebuilds every batch of the last hour from InfluxDB and compares it with the chain.</p>
      <button type="button" onClick={() => void run()} disabled={busy} aria-busy={busy}>
        Audit the last hour
      </button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {report && (
        <p role="status">
          {report.batches.length} batch{report.batches.length === 1 ? '' : 'es'}, {report.records} readings: {report.verified} verified,{' '}
          <strong class={report.failed ? 'error' : 'ok'}>{report.failed} failed</strong> ({formatDuration(report.durationMs)}).
        </p>
      )}
    </article>
  );
}

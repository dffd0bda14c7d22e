import type { AlertView } from '../api-types';
import { query } from '../api';
import { SeverityBadge, StateBadge } from '../components/badges';
import { formatAgo, formatTime } from '../format';
import { href } from '../router';
import { useApi } from '../use-api';

const STATES = [
  { value: 'firing,acknowledged', label: 'Open' },
  { value: 'firing', label: 'Firing' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
  { value: '', label: 'All' },
];

/**
 * The alert inbox. The server answers a site-scoped key with its own sites' alerts only, so
 * the inbox is the crew's without any filtering here. Filters live in the fragment (#/alerts?state=…).
 */
export function InboxPage({ params }: { params: URLSearchParams }) {
  const state = params.get('state') ?? 'firing,acknowledged';
  const severity = params.get('severity') ?? '';
  // Set by links from other pages (a site's open alerts, offline devices); shown and clearable.
  const site = params.get('site') ?? '';
  const kind = params.get('kind') ?? '';
  const alerts = useApi<AlertView[]>(`/api/alerts${query({ state, severity, site, kind, limit: 200 })}`, 15_000);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(name, value);
    location.hash = `#/alerts?${next.toString()}`;
  };

  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">Alerts</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => setFilter('state', (e.target as HTMLSelectElement).value)}>
            {STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => setFilter('severity', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            <option value="critical">Critical</option>
            <option value="warning">Warning</option>
            <option value="info">Info</option>
          </select>
        </label>
        <button type="button" class="secondary" onClick={alerts.reload} aria-busy={alerts.loading}>
          Refresh
        </button>
      </form>
      {(site || kind) && (
        <p>
          Only {site && `site ${site}`} {kind && `kind ${kind}`} · <a href={`#/alerts?${new URLSearchParams({ state, severity }).toString()}`}>show all</a>
        </p>
      )}
      {alerts.error && (
        <p role="alert" class="error">
          {alerts.error}
        </p>
      )}
      <p aria-live="polite" class="count">
        {alerts.data ? `${alerts.data.length} alert${alerts.data.length === 1 ? '' : 's'}` : 'Loading…'}
      </p>
      {alerts.data && alerts.data.length > 0 && (
        <table class="alerts responsive">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Alert</th>
              <th scope="col">Site</th>
              <th scope="col">Device</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {alerts.data.map((a) => (
              <tr key={a.id} data-alert-id={a.id}>
                <td data-label="Severity">
                  <SeverityBadge severity={a.severity} />
                </td>
                <td data-label="Alert">
                  <a href={href('alerts', a.id)}>{a.summary}</a>
                  {a.mutedBy && <small class="muted"> muted ({a.mutedBy})</small>}
                </td>
                <td data-label="Site">{a.labels.site ?? '—'}</td>
                <td data-label="Device">{a.labels.device ?? '—'}</td>
                <td data-label="State">
                  <StateBadge state={a.state} />
                </td>
                <td data-label="Started">
                  <time dateTime={new Date(a.startsAt).toISOString()} title={formatTime(a.startsAt)}>
                    {formatAgo(a.startsAt)}
                  </time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

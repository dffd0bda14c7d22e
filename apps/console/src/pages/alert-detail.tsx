import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api';
import type { AlertDetail, AlertView, Device, DeviceTelemetry, Me, ScorePoint } from '../api-types';
import { SeverityBadge, StateBadge } from '../components/badges';
import { EvidenceChart } from '../components/evidence-chart';
import { chartOf, evidencePlan, scoresPath, telemetryPath } from '../evidence';
import { formatAgo, formatDuration, formatTime, formatValue } from '../format';
import { href } from '../router';
import { useApi } from '../use-api';

export function AlertDetailPage({ id, me }: { id: string; me: Me }) {
  const detail = useApi<AlertDetail>(`/api/alerts/${encodeURIComponent(id)}`);
  const alert = detail.data;
  if (detail.error) {
    return (
      <section>
        <h1>Alert {id}</h1>
        <p role="alert" class="error">
          {detail.error}
        </p>
        <a href={href('alerts')}>Back to the alerts</a>
      </section>
    );
  }
  if (!alert) return <p aria-busy="true">Loading alert…</p>;
  const canAct = me.role !== 'auditor';
  return (
    <article class="alert-detail" aria-labelledby="alert-title">
      <header>
        <a href={href('alerts')}>← Alerts</a>
        <h1 id="alert-title">{alert.summary}</h1>
        <p>
          <SeverityBadge severity={alert.severity} /> <StateBadge state={alert.state} /> {alert.labels.alertname} · started {formatAgo(alert.startsAt)} (
          {formatTime(alert.startsAt)}){alert.endsAt ? ` · ended ${formatTime(alert.endsAt)}` : ''}
          {alert.mutedBy ? ` · muted by ${alert.mutedBy}` : ''}
        </p>
      </header>
      <p>{alert.description}</p>
      <section aria-labelledby="action-title" class="recommended">
        <h2 id="action-title">Recommended action</h2>
        <p>{alert.recommendedAction}</p>
        {alert.timeToFailureMs !== null && <p>Estimated time to failure: about {formatDuration(alert.timeToFailureMs)}.</p>}
      </section>
      <Evidence alert={alert} />
      <div class="grid">
        <DeviceContext alert={alert} />
        <SiteContext alert={alert} />
      </div>
      {canAct && <Actions alert={alert} onDone={detail.reload} />}
      <History alert={alert} />
    </article>
  );
}

function Evidence({ alert }: { alert: AlertDetail }) {
  const plan = useMemo(() => evidencePlan(alert), [alert.id]);
  const telemetry = useApi<DeviceTelemetry>(plan ? telemetryPath(plan) : null);
  const scores = useApi<ScorePoint[]>(plan ? scoresPath(plan, alert.evidence.detector) : null);
  const chart = useMemo(() => (plan ? chartOf(alert, plan, telemetry.data, scores.data) : null), [alert, plan, telemetry.data, scores.data]);
  const metrics = alert.evidence.metrics ?? [];
  return (
    <section aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      {chart && chart.series.some((s) => s.points.length) ? (
        <EvidenceChart {...chart} />
      ) : (
        <p class="muted">{plan ? (telemetry.loading || scores.loading ? 'Loading the readings…' : 'No stored readings around the alert time.') : 'This alert carries no metric to plot.'}</p>
      )}
      {(telemetry.error || scores.error) && (
        <p role="alert" class="error">
          {telemetry.error ?? scores.error}
        </p>
      )}
      <table>
        <caption class="visually-hidden">What fired the alert</caption>
        <tbody>
          {alert.evidence.detector && <Row name="Detector" value={`${alert.evidence.detector} (model ${alert.evidence.modelVersion ?? '?'})`} />}
          {typeof alert.evidence.score === 'number' && <Row name="Score" value={`${formatValue(alert.evidence.score)} (threshold ${formatValue(alert.evidence.threshold as number)})`} />}
          {alert.evidence.condition && <Row name="Condition" value={`${alert.evidence.condition} (rule ${alert.evidence.rule})`} />}
          {typeof alert.evidence.observedAt === 'number' && <Row name="Observed at" value={formatTime(alert.evidence.observedAt)} />}
          {typeof alert.evidence.lastSeenAt === 'number' && <Row name="Last seen" value={formatTime(alert.evidence.lastSeenAt)} />}
          {alert.evidence.cause && <Row name="Cause" value={String(alert.evidence.cause)} />}
          {metrics.map((m) => (
            <Row key={m.name} name={m.name} value={`${formatValue(m.value)}${m.contribution !== undefined ? ` (contribution ${formatValue(m.contribution)})` : ''}`} />
          ))}
        </tbody>
      </table>
      {chart && chart.series.some((s) => s.points.length) && <DataTable chart={chart} />}
    </section>
  );
}

function Row({ name, value }: { name: string; value: string }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{value}</td>
    </tr>
  );
}

/** The plotted points as a table: the chart's text alternative (WCAG 2.1 SC 1.1.1). */
function DataTable({ chart }: { chart: ReturnType<typeof chartOf> }) {
  const rows = chart.series.flatMap((s) => s.points.map(([t, v]) => ({ series: s.label, t, v }))).sort((a, b) => a.t - b.t);
  const shown = rows.slice(-60);
  return (
    <details>
      <summary>Evidence data ({rows.length} points{rows.length > shown.length ? `, the last ${shown.length} shown` : ''})</summary>
      <table class="evidence-data">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Series</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={`${r.series}-${r.t}`}>
              <td>{formatTime(r.t)}</td>
              <td>{r.series}</td>
              <td>{formatValue(r.v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function DeviceContext({ alert }: { alert: AlertView }) {
  const id = alert.labels.device;
  const device = useApi<Device>(id ? `/api/devices/${encodeURIComponent(id)}` : null);
  return (
    <section aria-labelledby="device-title">
      <h2 id="device-title">Device</h2>
      {!id && <p class="muted">This alert is not about one device.</p>}
      {device.error && <p class="error">{device.error}</p>}
      {device.data && (
        <dl>
          <dt>Device</dt>
          <dd>
            {device.data.id}
            {device.data.name ? ` (${device.data.name})` : ''}
          </dd>
          <dt>Type</dt>
          <dd>{device.data.type}</dd>
          <dt>State</dt>
          <dd>{device.data.state}</dd>
          <dt>Last seen</dt>
          <dd>{formatAgo(device.data.lastSeenAt)}</dd>
        </dl>
      )}
    </section>
  );
}

function SiteContext({ alert }: { alert: AlertView }) {
  const site = alert.labels.site;
  const open = useApi<AlertView[]>(site ? `/api/alerts${query({ site, state: 'firing,acknowledged' })}` : null);
  const devices = useApi<Device[]>(site ? `/api/devices${query({ site })}` : null);
  const siteInfo = devices.data?.[0]?.site;
  return (
    <section aria-labelledby="site-title">
      <h2 id="site-title">Site</h2>
      {!site && <p class="muted">No site label.</p>}
      {site && (
        <dl>
          <dt>Site</dt>
          <dd>
            {siteInfo?.name ?? site} ({site})
          </dd>
          {siteInfo && (
            <>
              <dt>Location</dt>
              <dd>
                {siteInfo.lat.toFixed(4)}, {siteInfo.lon.toFixed(4)}
              </dd>
            </>
          )}
          <dt>Devices</dt>
          <dd>{devices.data ? devices.data.length : '…'}</dd>
          <dt>Open alerts at this site</dt>
          <dd>
            <a href={`#/alerts?state=firing,acknowledged&site=${encodeURIComponent(site)}`}>{open.data ? open.data.length : '…'}</a>
          </dd>
        </dl>
      )}
    </section>
  );
}

function Actions({ alert, onDone }: { alert: AlertView; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const act = async (verb: 'acknowledge' | 'resolve') => {
    setBusy(true);
    try {
      await api(`/api/alerts/${encodeURIComponent(alert.id)}/${verb}`, { method: 'POST', body: note.trim() ? { note: note.trim() } : {} });
      setStatus({ ok: true, text: verb === 'acknowledge' ? 'Acknowledged.' : 'Resolved.' });
      setNote('');
      onDone();
    } catch (err) {
      setStatus({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  const silenceLink = `#/silences?${new URLSearchParams(
    ['alertname', 'site', 'device'].filter((l) => alert.labels[l]).map((l) => ['matcher', `${l}="${alert.labels[l]}"`]),
  ).toString()}`;
  return (
    <section aria-labelledby="act-title">
      <h2 id="act-title">Act on it</h2>
      <form onSubmit={(e) => e.preventDefault()}>
        <label for="note">
          Note (who, what, when; kept in the alert's history)
          <textarea id="note" name="note" rows={2} maxLength={2000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        </label>
        <div class="actions">
          <button type="button" disabled={busy || alert.state !== 'firing'} onClick={() => void act('acknowledge')}>
            Acknowledge
          </button>
          <button type="button" class="secondary" disabled={busy || alert.state === 'resolved'} onClick={() => void act('resolve')}>
            Resolve
          </button>
          <a href={silenceLink} role="button" class="outline">
            Silence alerts like this…
          </a>
        </div>
        <p role="status" aria-live="polite" class={status?.ok === false ? 'error' : 'ok'}>
          {status?.text ?? ''}
        </p>
      </form>
    </section>
  );
}

function History({ alert }: { alert: AlertDetail }) {
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ol class="history">
        {alert.history.map((h, i) => (
          <li key={i}>
            <time dateTime={new Date(h.at).toISOString()}>{formatTime(h.at)}</time> <strong>{h.type}</strong> by {h.actor} ({h.severity})
            {h.note ? `: “${h.note}”` : ''}
          </li>
        ))}
      </ol>
      {alert.deliveries.length > 0 && (
        <details>
          <summary>Notifications ({alert.deliveries.length})</summary>
          <ul>
            {alert.deliveries.map((d, i) => (
              <li key={i}>
                {formatTime(d.at)} {d.receiver}/{d.integration} attempt {d.attempt}: {d.status}
                {d.error ? ` (${d.error})` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

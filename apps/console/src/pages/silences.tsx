import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { AlertView, Me, Silence } from '../api-types';
import { SeverityBadge } from '../components/badges';
import { formatTime } from '../format';
import { href } from '../router';
import { matcherText, parseMatcherLines, previewSilence, silenceStatus } from '../silence-preview';
import { useApi } from '../use-api';

const DURATIONS = ['30m', '1h', '2h', '4h', '8h', '1d', '3d', '7d'];

/**
 * Silences: the list (with Expire), and a form that previews, as you type, which open alerts
 * the new silence would mute. Crew keys may silence only their own sites: the server asks for a
 * site="…" matcher naming one of them, so the form starts with it.
 */
export function SilencesPage({ me, params }: { me: Me; params: URLSearchParams }) {
  const silences = useApi<Silence[]>('/api/silences');
  const open = useApi<AlertView[]>('/api/alerts?state=firing,acknowledged&limit=1000');
  const mayEdit = me.role !== 'auditor';
  return (
    <section aria-labelledby="silences-title">
      <h1 id="silences-title">Silences</h1>
      <p>A silence mutes notifications for the alerts its matchers select, for a while. The alerts are still listed, marked muted.</p>
      {mayEdit && <NewSilence me={me} params={params} open={open.data ?? []} onCreated={silences.reload} />}
      <h2>Existing silences</h2>
      {silences.error && <p class="error">{silences.error}</p>}
      {silences.data && silences.data.length === 0 && <p class="muted">No silences.</p>}
      {silences.data && silences.data.length > 0 && <SilenceList silences={silences.data} mayEdit={mayEdit} onChanged={silences.reload} />}
    </section>
  );
}

function defaultMatchers(me: Me, params: URLSearchParams): string {
  const fromLink = params.getAll('matcher');
  if (fromLink.length) return fromLink.join('\n');
  return me.sites?.length === 1 ? `site="${me.sites[0]}"\n` : '';
}

function NewSilence({ me, params, open, onCreated }: { me: Me; params: URLSearchParams; open: AlertView[]; onCreated: () => void }) {
  const [matchers, setMatchers] = useState(() => defaultMatchers(me, params));
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const lines = parseMatcherLines(matchers);
  const preview = useMemo(() => previewSilence(lines, open), [matchers, open]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!preview.ok) return setStatus({ ok: false, text: preview.error });
    if (!comment.trim()) return setStatus({ ok: false, text: 'Say why (crews read the comment).' });
    setBusy(true);
    try {
      const created = await api<Silence>('/api/silences', { method: 'POST', body: { matchers: lines, duration, comment: comment.trim() } });
      setStatus({ ok: true, text: `Silence created, until ${formatTime(created.endsAt)}.` });
      setComment('');
      onCreated();
    } catch (err) {
      setStatus({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-silence" onSubmit={(e) => void submit(e)} aria-labelledby="new-silence-title">
      <h2 id="new-silence-title">New silence</h2>
      <label for="silence-matchers">
        Matchers, one per line
        <textarea
          id="silence-matchers"
          rows={3}
          spellcheck={false}
          value={matchers}
          aria-describedby="silence-matchers-help"
          aria-invalid={lines.length > 0 && !preview.ok ? true : undefined}
          onInput={(e) => setMatchers((e.target as HTMLTextAreaElement).value)}
        />
        <small id="silence-matchers-help">
          <code>label="value"</code>, <code>label!="value"</code>, <code>label=~"regex"</code> or <code>label!~"regex"</code> on site, device, type,
          alertname, kind, severity.{me.role === 'crew' ? ' A crew silence needs a site="…" matcher naming one of your sites.' : ''}
        </small>
      </label>
      <div class="grid">
        <label for="silence-duration">
          For
          <select id="silence-duration" value={duration} onChange={(e) => setDuration((e.target as HTMLSelectElement).value)}>
            {DURATIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label for="silence-comment">
          Comment
          <input id="silence-comment" type="text" maxLength={1000} required value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <section class="preview" aria-live="polite" aria-labelledby="preview-title">
        <h3 id="preview-title">Preview</h3>
        {!preview.ok && lines.length > 0 && <p class="error">{preview.error}</p>}
        {preview.ok && (
          <>
            <p>
              Would mute <strong data-testid="preview-count">{preview.matches.length}</strong> of {open.length} open alert{open.length === 1 ? '' : 's'}
              {preview.matches.length ? ':' : '.'}
            </p>
            <ul>
              {preview.matches.slice(0, 20).map((a) => (
                <li key={a.id}>
                  <SeverityBadge severity={a.severity} /> <a href={href('alerts', a.id)}>{a.summary}</a>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <button type="submit" disabled={busy} aria-busy={busy}>
        Create silence
      </button>
      <p role="status" class={status?.ok === false ? 'error' : 'ok'}>
        {status?.text ?? ''}
      </p>
    </form>
  );
}

function SilenceList({ silences, mayEdit, onChanged }: { silences: Silence[]; mayEdit: boolean; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  const expire = async (id: string) => {
    try {
      await api(`/api/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
      setError(undefined);
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <table class="silences responsive">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Matchers</th>
            <th scope="col">Until</th>
            <th scope="col">Comment</th>
            <th scope="col">By</th>
            {mayEdit && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {silences.map((s) => {
            const status = silenceStatus(s);
            return (
              <tr key={s.id} data-silence-id={s.id}>
                <td data-label="Status">
                  <span class={`badge silence-${status}`}>{status}</span>
                </td>
                <td data-label="Matchers">
                  <code>{s.matchers.map(matcherText).join(', ')}</code>
                  {s.recurrence ? ' (recurring window)' : ''}
                </td>
                <td data-label="Until">{formatTime(s.endsAt)}</td>
                <td data-label="Comment">{s.comment}</td>
                <td data-label="By">{s.createdBy}</td>
                {mayEdit && (
                  <td data-label="Action">
                    {status !== 'expired' && (
                      <button type="button" class="outline small" onClick={() => void expire(s.id)} aria-label={`Expire silence ${s.comment}`}>
                        Expire
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

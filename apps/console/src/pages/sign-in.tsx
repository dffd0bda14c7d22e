import { useState } from 'preact/hooks';
import { api, ApiError, session } from '../api';
import type { Me } from '../api-types';

/** Sign-in with an API key: checked against GET /api/me before it is kept for this tab. */
export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter your API key.');
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<Me>('/api/me', { key: trimmed });
      session.signIn(trimmed);
      setKey('');
      onSignedIn(me);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This key is not valid (wrong, revoked or expired).' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="container sign-in">
      <article>
        <header>
          <h1>GridProof console</h1>
          <p>Alerts, silences and devices for crews and operators.</p>
        </header>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label for="api-key">
            API key
            <input
              id="api-key"
              name="api-key"
              type="password"
              autocomplete="off"
              spellcheck={false}
              required
              value={key}
              aria-invalid={error ? true : undefined}
              aria-describedby="api-key-help"
              onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            />
            <small id="api-key-help">
              Your key (<code>gpk_…</code>) from your operator (<code>gridproof keys create --role crew --sites …</code>). It is kept in this tab only and
              forgotten when the tab closes.
            </small>
          </label>
          {error && (
            <p role="alert" class="error">
              {error}
            </p>
          )}
          <button type="submit" aria-busy={busy} disabled={busy}>
            Sign in
          </button>
        </form>
      </article>
    </main>
  );
}

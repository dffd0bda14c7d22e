import '@picocss/pico/css/pico.min.css';
import 'uplot/dist/uPlot.min.css';
import './console.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api';
import type { Me } from './api-types';
import { AlertDetailPage } from './pages/alert-detail';
import { DevicesPage } from './pages/devices';
import { InboxPage } from './pages/inbox';
import { SignInPage } from './pages/sign-in';
import { SilencesPage } from './pages/silences';
import { StatusPage } from './pages/status';
import { href, Route, useRoute } from './router';

const SECTIONS = [
  { path: 'alerts', label: 'Alerts' },
  { path: 'silences', label: 'Silences' },
  { path: 'devices', label: 'Devices' },
  { path: 'status', label: 'Status' },
] as const;

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(Boolean(session.key()));
  const route = useRoute();

  useEffect(() => {
    const onSignOut = () => setMe(null);
    window.addEventListener('gridproof:signed-out', onSignOut);
    // A reload keeps the tab's session: ask who the stored key belongs to.
    if (session.key()) {
      api<Me>('/api/me').then(setMe, () => session.signOut()).finally(() => setChecking(false));
    }
    return () => window.removeEventListener('gridproof:signed-out', onSignOut);
  }, []);

  // Each page names itself, so screen readers announce where the user went.
  useEffect(() => {
    const section = SECTIONS.find((s) => s.path === (route.path[0] ?? 'alerts'));
    document.title = me ? `${section?.label ?? 'GridProof'} · GridProof console` : 'Sign in · GridProof console';
  }, [route, me]);

  if (checking) return <main class="container" aria-busy="true">Signing in…</main>;
  if (!me) return <SignInPage onSignedIn={setMe} />;
  return (
    <>
      {/* Moves focus without touching the fragment, which holds the route (#main is no route). */}
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="container">
        <nav aria-label="Main">
          <ul>
            <li>
              <strong>GridProof</strong>
            </li>
          </ul>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.path}>
                <a href={href(s.path)} aria-current={(route.path[0] ?? 'alerts') === s.path ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          Signed in as <strong>{me.name}</strong> ({me.role}
          {me.sites ? `, sites ${me.sites.join(', ')}` : ', every site'}){' '}
          <button type="button" class="outline secondary small" onClick={() => session.signOut()}>
            Sign out
          </button>
        </p>
      </header>
      <main id="main" class="container" tabIndex={-1}>
        <Page route={route} me={me} />
      </main>
    </>
  );
}

function skipToContent(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Page({ route, me }: { route: Route; me: Me }) {
  const [section, id] = route.path;
  switch (section ?? 'alerts') {
    case 'alerts':
      return id ? <AlertDetailPage id={id} me={me} /> : <InboxPage params={route.params} />;
    case 'silences':
      return <SilencesPage me={me} params={route.params} />;
    case 'devices':
      return <DevicesPage />;
    case 'status':
      return <StatusPage me={me} />;
    default:
      return (
        <p>
          No such page. <a href={href('alerts')}>Go to the alerts</a>.
        </p>
      );
  }
}

const root = document.getElementById('app')!;
// Preact diffs against what is there: drop the "Loading…" placeholder first.
root.textContent = '';
render(<App />, root);

import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, gql, session } from './api';
import { ErrorLine } from './components';
import { ConsoleViewerDocument, type ConsoleViewerQuery } from './generated/graphql';
import { LiveProvider } from './live';
import { Apps } from './pages/Apps';
import { EndpointDetail, Endpoints, EndpointTokens } from './pages/Endpoints';
import { NoticesPanel } from './pages/Notices';
import { OAuth } from './pages/OAuth';
import { PersonalAccessTokens } from './pages/PersonalAccessTokens';
import { Settings } from './pages/Settings';
import { Users } from './pages/Users';
import { Webhooks } from './pages/Webhooks';
import { Workflows } from './pages/Workflows';

type Viewer = ConsoleViewerQuery['viewer'];

function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash.replace(/^#/, '') || '/tokens');
  useEffect(() => {
    const onChange = () => setHash(location.hash.replace(/^#/, '') || '/tokens');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function SignIn(props: { onSignedIn(viewer: Viewer): void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    session.signIn(token.trim());
    try {
      props.onSignedIn((await gql(ConsoleViewerDocument)).viewer);
    } catch (caught) {
      session.signOut();
      setError(caught instanceof ApiError && caught.code === 'UNAUTHENTICATED' ? new Error('This token is not valid (unknown, expired or revoked).') : caught);
    }
  };
  return (
    <main className="signin">
      <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Tessera console</h1>
        <p>Sign in with a personal access token. It is kept in this tab only, until you sign out or close it.</p>
        {props.reason && <p className="warning">{props.reason}</p>}
        <label>
          Token
          <input type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit">Sign in</button>
        <ErrorLine error={error} />
      </form>
    </main>
  );
}

const NAV = [
  { path: '/tokens', label: 'Personal access tokens' },
  { path: '/workflows', label: 'Workflow tokens' },
  { path: '/apps', label: 'Apps' },
  { path: '/endpoints', label: 'Endpoints' },
  { path: '/endpoint-tokens', label: 'Endpoint tokens' },
  { path: '/oauth', label: 'OAuth' },
];

/** Pages only administrators see. */
const ADMIN_NAV = [
  { path: '/users', label: 'Users' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/settings', label: 'Settings' },
];

export function App() {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [checking, setChecking] = useState(Boolean(session.token()));
  const [reason, setReason] = useState<string | undefined>();
  const route = useHashRoute();

  useEffect(() => {
    if (!session.token()) return;
    gql(ConsoleViewerDocument)
      .then(
        (data) => setViewer(data.viewer),
        () => session.signOut(),
      )
      .finally(() => setChecking(false));
  }, []);

  const signOut = (why?: string) => {
    session.signOut();
    setViewer(null);
    setReason(why);
  };

  if (checking) return <p className="muted">Loading…</p>;
  const token = session.token();
  if (!viewer || !token) return <SignIn onSignedIn={setViewer} reason={reason} />;

  const endpointMatch = /^\/endpoints\/([^/]+)$/.exec(route);
  let page;
  if (endpointMatch) page = <EndpointDetail id={decodeURIComponent(endpointMatch[1]!)} />;
  else if (route === '/workflows') page = <Workflows />;
  else if (route === '/apps') page = <Apps viewerRole={viewer.role} />;
  else if (route === '/endpoints') page = <Endpoints open={() => undefined} />;
  else if (route === '/endpoint-tokens') page = <EndpointTokens />;
  else if (route === '/oauth') page = <OAuth />;
  else if (route === '/notices') page = <NoticesPanel />;
  else if (route === '/users' && viewer.role === 'ADMIN') page = <Users viewerId={viewer.id} />;
  else if (route === '/settings' && viewer.role === 'ADMIN') page = <Settings />;
  else if (route === '/webhooks' && viewer.role === 'ADMIN') page = <Webhooks />;
  else page = <PersonalAccessTokens viewerRole={viewer.role} viewerId={viewer.id} />;

  return (
    <LiveProvider
      token={token}
      viewerKey={`${viewer.tenant.id}.${viewer.id}`}
      onUnauthorized={() => signOut('Your token stopped working (revoked or expired): sign in again.')}
    >
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <strong className="brand">Tessera</strong>
        <nav aria-label="Pages">
          {[...NAV, ...(viewer.role === 'ADMIN' ? ADMIN_NAV : [])].map((item) => (
            <a key={item.path} href={`#${item.path}`} aria-current={route.startsWith(item.path) ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
          <a href="/graphql">GraphiQL</a>
        </nav>
        <span className="who">
          {viewer.name} · {viewer.role.toLowerCase().replace('_', ' ')} · {viewer.tenant.name}
        </span>
        <button onClick={() => signOut()}>Sign out</button>
      </header>
      <div className="layout">
        <main id="main" tabIndex={-1}>
          {page}
        </main>
        {route !== '/notices' && <NoticesPanel />}
      </div>
    </LiveProvider>
  );
}

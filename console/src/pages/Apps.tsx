import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { CopyField, Dialog, ErrorLine, SecretDialog, useAction, useConfirm, when } from '../components';
import { ConsoleActivateAppDocument, ConsoleAppsDocument, ConsoleCreateAppDocument, ConsoleDeleteAppDocument, ConsoleDisableAppDocument, ConsoleRevealAppSecretDocument, type ConsoleAppsQuery } from '../generated/graphql';
import { useLiveQuery } from '../live';

type App = ConsoleAppsQuery['apps']['edges'][number]['node'];

function AppDialog(props: { app: App; onClose(): void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [error, run] = useAction();
  const reveal = () => void run(async () => setSecret((await gql(ConsoleRevealAppSecretDocument, { id: props.app.id })).revealAppSecret));
  return (
    <Dialog title={`App “${props.app.name}”`} onClose={props.onClose}>
      <div className="stack">
        {props.app.description && <p>{props.app.description}</p>}
        <CopyField label="Client ID" value={props.app.clientId} />
        {secret ? <CopyField label="Client secret" value={secret} /> : <button onClick={reveal}>Reveal the client secret (audited)</button>}
        <ErrorLine error={error} />
        <p className="muted small">
          Access tokens: <code>POST /oauth/token</code> with <code>grant_type=client_credentials</code>; they live {props.app.accessTokenLifetimeSeconds} s.
        </p>
      </div>
    </Dialog>
  );
}

export function Apps() {
  const list = useLiveQuery(ConsoleAppsDocument, {}, ['APP_SECRET', 'APP_ACCESS']);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ name: string; clientId: string; secret: string } | null>(null);
  const [viewing, setViewing] = useState<App | null>(null);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const result = await gql(ConsoleCreateAppDocument, { input: { name, description: description || null } });
      setCreated({ name, clientId: result.createApp.app.clientId, secret: result.createApp.secret });
      setName('');
      setDescription('');
      list.refetch();
    });
  };
  const act = (kind: 'disable' | 'activate' | 'delete', app: App) =>
    void run(async () => {
      if (kind === 'activate') await gql(ConsoleActivateAppDocument, { id: app.id });
      else if (kind === 'disable') {
        if (!(await confirm({ title: `Disable “${app.name}”?`, consequence: 'Its access tokens fail at once and it gets no new ones: the applications that use it will fail until it is activated.', confirmLabel: 'Disable' }))) return;
        await gql(ConsoleDisableAppDocument, { id: app.id });
      } else {
        if (!(await confirm({ title: `Delete “${app.name}”?`, consequence: 'Its client secret and access tokens are deleted and fail at once: the applications that use it will fail for good.', confirmLabel: 'Delete' }))) return;
        await gql(ConsoleDeleteAppDocument, { id: app.id });
      }
      list.refetch();
    });

  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">Apps</h1>
      <p className="lead">Machine clients: an app exchanges its client ID and secret for short-lived access tokens.</p>
      <form className="card form" onSubmit={create} aria-label="New app">
        <h2>Add an app</h2>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description
          <input maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit">Add app</button>
      </form>
      <ErrorLine error={error ?? list.error} />
      <div className="table-wrap">
        <table aria-label="Apps">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Client ID</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.apps.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>
                  <strong>{node.name}</strong>
                  {node.description && <div className="muted small">{node.description}</div>}
                </td>
                <td>
                  <span className={`status ${node.status === 'ACTIVE' ? 'ok' : 'muted'}`}>{node.status === 'ACTIVE' ? '● Active' : '⊘ Disabled'}</span>
                </td>
                <td>
                  <code>{node.clientId}</code>
                </td>
                <td>{when(node.lastUsedAt)}</td>
                <td className="actions">
                  <button onClick={() => setViewing(node)} aria-label={`View ${node.name}`}>
                    View
                  </button>
                  {node.status === 'ACTIVE' ? (
                    <button onClick={() => act('disable', node)} aria-label={`Disable ${node.name}`}>
                      Disable
                    </button>
                  ) : (
                    <button onClick={() => act('activate', node)} aria-label={`Activate ${node.name}`}>
                      Activate
                    </button>
                  )}
                  <button className="danger" onClick={() => act('delete', node)} aria-label={`Delete ${node.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data && list.data.apps.totalCount === 0 && <p className="empty">No apps yet.</p>}
      </div>
      {created && <SecretDialog title={`App “${created.name}” added`} secret={created.secret} onClose={() => setCreated(null)} warning="Copy the client secret now: it will not be shown again here (administrators can reveal it later, audited)." extra={<CopyField label="Client ID" value={created.clientId} />} />}
      {viewing && <AppDialog app={viewing} onClose={() => setViewing(null)} />}
      {confirmDialog}
    </section>
  );
}

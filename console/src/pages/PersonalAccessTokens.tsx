import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { CopyField, ErrorLine, SecretDialog, StatusBadge, useAction, useConfirm, when } from '../components';
import { ConsoleCreatePatDocument, ConsoleDeletePatDocument, ConsolePersonalAccessTokensDocument, ConsoleRevokePatDocument, type TokenDuration } from '../generated/graphql';
import { useLiveQuery } from '../live';

const DURATIONS: { value: TokenDuration; label: string }[] = [
  { value: 'DAYS_7', label: '7 days' },
  { value: 'DAYS_30', label: '30 days' },
  { value: 'DAYS_60', label: '60 days' },
  { value: 'DAYS_90', label: '90 days' },
  { value: 'YEAR', label: 'One year' },
  { value: 'CUSTOM', label: 'Custom end date' },
];

export function PersonalAccessTokens() {
  const list = useLiveQuery(ConsolePersonalAccessTokensDocument, {}, ['PERSONAL_ACCESS']);
  const [created, setCreated] = useState<{ secret: string; curl: string; name: string } | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [duration, setDuration] = useState<TokenDuration>('DAYS_7');
  const [expiresAt, setExpiresAt] = useState('');
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const input = { name, description: description || null, duration, expiresAt: duration === 'CUSTOM' && expiresAt ? new Date(expiresAt).toISOString() : null };
      const result = await gql(ConsoleCreatePatDocument, { input });
      setCreated({ secret: result.createPersonalAccessToken.secret, curl: result.createPersonalAccessToken.curlExample, name });
      setName('');
      setDescription('');
      list.refetch();
    });
  };

  const revoke = (id: string, tokenName: string) =>
    void run(async () => {
      const ok = await confirm({
        title: `Revoke “${tokenName}”?`,
        consequence: 'It stops working at once, everywhere: scripts, workflows and applications that use this token will fail.',
        confirmLabel: 'Revoke',
      });
      if (!ok) return;
      await gql(ConsoleRevokePatDocument, { id });
      list.refetch();
    });

  const remove = (id: string, tokenName: string) =>
    void run(async () => {
      const ok = await confirm({ title: `Delete “${tokenName}”?`, consequence: 'The token leaves this list for good. It already no longer works; its history stays in the audit log.', confirmLabel: 'Delete' });
      if (!ok) return;
      await gql(ConsoleDeletePatDocument, { id });
      list.refetch();
    });

  return (
    <section aria-labelledby="pat-title">
      <h1 id="pat-title">Personal access tokens</h1>
      <p className="lead">A personal access token acts as you on the API: it can do what you may do, no more.</p>
      <form className="card form" onSubmit={create} aria-label="New personal access token">
        <h2>New token</h2>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description
          <input maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Expires after
          <select value={duration} onChange={(e) => setDuration(e.target.value as TokenDuration)}>
            {DURATIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        {duration === 'CUSTOM' && (
          <label>
            End date
            <input type="date" required value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
          </label>
        )}
        <button type="submit">Create token</button>
      </form>
      <ErrorLine error={error ?? list.error} />
      <div className="table-wrap">
        <table aria-label="Personal access tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Starts with</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.personalAccessTokens.edges.map(({ node }) => (
              <tr key={node.id} data-token-id={node.id}>
                <td>
                  <strong>{node.name}</strong>
                  {node.description && <div className="muted small">{node.description}</div>}
                </td>
                <td>
                  <StatusBadge status={node.status} />
                </td>
                <td>
                  <code>{node.start}…</code>
                </td>
                <td>{when(node.expiresAt)}</td>
                <td>{when(node.lastUsedAt)}</td>
                <td className="actions">
                  {node.status === 'ACTIVE' || node.status === 'EXPIRING' ? (
                    <button className="danger" onClick={() => revoke(node.id, node.name)} aria-label={`Revoke ${node.name}`}>
                      Revoke
                    </button>
                  ) : (
                    <button onClick={() => remove(node.id, node.name)} aria-label={`Delete ${node.name}`}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data && list.data.personalAccessTokens.totalCount === 0 && <p className="empty">No tokens yet.</p>}
      </div>
      {created && (
        <SecretDialog title={`Token “${created.name}” created`} secret={created.secret} onClose={() => setCreated(null)} extra={<CopyField label="curl example" value={created.curl} multiline />} />
      )}
      {confirmDialog}
    </section>
  );
}

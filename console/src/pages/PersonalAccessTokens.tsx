import { useState } from 'react';
import { gql } from '../api';
import { CopyField, ErrorLine, FormCard, SecretDialog, SelectField, StatusBadge, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleCreatePatDocument,
  ConsoleDeletePatDocument,
  ConsolePersonalAccessTokensDocument,
  ConsoleRevokePatDocument,
  type TokenDuration,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

const DURATIONS: { value: TokenDuration; label: string }[] = [
  { value: 'DAYS_7', label: '7 days' },
  { value: 'DAYS_30', label: '30 days' },
  { value: 'DAYS_60', label: '60 days' },
  { value: 'DAYS_90', label: '90 days' },
  { value: 'YEAR', label: 'One year' },
  { value: 'CUSTOM', label: 'Custom end date' },
];

export function PersonalAccessTokens() {
  const list = useLiveQuery(ConsolePersonalAccessTokensDocument, {}, ['PERSONAL_ACCESS'], (data) => data.personalAccessTokens);
  const [created, setCreated] = useState<{ secret: string; curl: string; name: string } | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [duration, setDuration] = useState<TokenDuration>('DAYS_7');
  const [expiresAt, setExpiresAt] = useState('');
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const create = submit(async () => {
    const input = {
      name,
      description: description || null,
      duration,
      expiresAt: duration === 'CUSTOM' && expiresAt ? new Date(expiresAt).toISOString() : null,
    };
    const result = await gql(ConsoleCreatePatDocument, { input });
    setCreated({ secret: result.createPersonalAccessToken.secret, curl: result.createPersonalAccessToken.curlExample, name });
    setName('');
    setDescription('');
    list.refetch();
  });

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
      const ok = await confirm({
        title: `Delete “${tokenName}”?`,
        consequence: 'The token leaves this list for good. It already no longer works; its history stays in the audit log.',
        confirmLabel: 'Delete',
      });
      if (!ok) return;
      await gql(ConsoleDeletePatDocument, { id });
      list.refetch();
    });

  return (
    <section aria-labelledby="pat-title">
      <h1 id="pat-title">Personal access tokens</h1>
      <p className="lead">A personal access token acts as you on the API: it can do what you may do, no more.</p>
      <FormCard label="New personal access token" title="New token" submit="Create token" onSubmit={create}>
        <TextField label="Name" required maxLength={100} value={name} onChange={setName} />
        <TextField label="Description" maxLength={1000} value={description} onChange={setDescription} />
        <SelectField label="Expires after" value={duration} onChange={(d) => setDuration(d as TokenDuration)}>
          {DURATIONS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </SelectField>
        {duration === 'CUSTOM' && <TextField label="End date" type="date" required value={expiresAt} onChange={setExpiresAt} />}
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Personal access tokens"
        columns={['Name', 'Status', 'Starts with', 'Expires', 'Last used', 'Actions']}
        empty={list.data?.personalAccessTokens.totalCount === 0 && 'No tokens yet.'}
        more={list.more}
      >
        {list.data?.personalAccessTokens.edges.map(({ node }) => (
          <tr key={node.id} data-token-id={node.id}>
            <NameCell name={node.name} detail={node.description} />
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
                <RowAction verb="Revoke" of={node.name} danger onClick={() => revoke(node.id, node.name)} />
              ) : (
                <RowAction verb="Delete" of={node.name} onClick={() => remove(node.id, node.name)} />
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {created && (
        <SecretDialog
          title={`Token “${created.name}” created`}
          secret={created.secret}
          onClose={() => setCreated(null)}
          extra={<CopyField label="curl example" value={created.curl} multiline />}
        />
      )}
      {confirmDialog}
    </section>
  );
}

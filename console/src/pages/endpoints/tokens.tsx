import { useState } from 'react';
import { gql } from '../../api';
import { confirmedChange, CopyField, ErrorLine, FormDialog, SecretDialog, StatusBadge, TextField, useAction, useConfirm, when } from '../../components';
import {
  ConsoleActivateEndpointTokenDocument,
  ConsoleCreateEndpointTokenDocument,
  ConsoleDeactivateEndpointTokenDocument,
  ConsoleEndpointTokensDocument,
  ConsoleRegenerateEndpointTokenDocument,
  ConsoleRevealEndpointTokenDocument,
  ConsoleSetEndpointTokenEnabledDocument,
  ConsoleUpdateEndpointTokenDocument,
  type ConsoleEndpointTokensQuery,
} from '../../generated/graphql';
import { useLiveQuery } from '../../live';
import { DataTable, NameCell, RowAction } from '../../table';
import { Toggle } from './parts';

type Listed = ConsoleEndpointTokensQuery['endpointTokens']['edges'][number]['node'];
type Shown = 'ACTIVE' | 'INACTIVE' | 'ALL';
const SHOWN: { value: Shown; label: string; active: boolean | null }[] = [
  { value: 'ACTIVE', label: 'Active', active: true },
  { value: 'INACTIVE', label: 'Inactive', active: false },
  { value: 'ALL', label: 'All', active: null },
];

/**
 * Token settings (seed 002): name, description and the enabled switch — for a new token too,
 * which can be made switched off — and, for an existing one, its value: reveal (audited), copy,
 * rotate (a new value; the old one stops at once).
 */
function TokenSettingsDialog(props: { token: Listed | null; onClose(result: { secret?: string; name: string } | null): void }) {
  const existing = props.token;
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [value, setValue] = useState<string | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const save = submit(async () => {
    if (!existing) {
      const made = await gql(ConsoleCreateEndpointTokenDocument, { input: { name, description: description || null, enabled } });
      props.onClose({ secret: made.createEndpointToken.secret, name });
      return;
    }
    await gql(ConsoleUpdateEndpointTokenDocument, { id: existing.id, input: { name, description } });
    if (enabled !== existing.enabled) await gql(ConsoleSetEndpointTokenEnabledDocument, { id: existing.id, enabled });
    props.onClose({ name });
  });
  const reveal = () => void run(async () => setValue((await gql(ConsoleRevealEndpointTokenDocument, { id: existing!.id })).revealEndpointToken.secret));
  const rotate = () =>
    void run(async () => {
      const ok = await confirm({
        title: `Rotate “${existing!.name}”?`,
        consequence: 'A new value replaces it and the old one stops at once: every application using it fails until given the new value.',
        confirmLabel: 'Rotate',
      });
      if (ok) setValue((await gql(ConsoleRegenerateEndpointTokenDocument, { id: existing!.id })).regenerateEndpointToken.secret);
    });

  return (
    <FormDialog
      title={existing ? `Token settings of “${existing.name}”` : 'New endpoint token'}
      label="Token settings"
      submit={existing ? 'Save' : 'Create token'}
      onSubmit={save}
      onCancel={() => props.onClose(null)}
      error={error}
      note={confirmDialog}
    >
      <TextField label="Name" wide required maxLength={100} value={name} onChange={setName} />
      <TextField label="Description" wide rows={2} maxLength={1000} value={description} onChange={setDescription} />
      <label className="check wide">
        <input type="checkbox" role="switch" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (a disabled token opens nothing)
      </label>
      {existing && (
        <div className="wide">
          {value ? <CopyField label="Value" value={value} /> : <p className="muted small">The value starts with {existing.start}…</p>}
          <div className="row">
            {!value && (
              <button type="button" onClick={reveal}>
                Reveal the value (audited)
              </button>
            )}
            <button type="button" className="danger" onClick={rotate}>
              Rotate the value
            </button>
          </div>
        </div>
      )}
    </FormDialog>
  );
}

/**
 * Endpoint tokens (seed 002): the tenant's secondary tokens on a page of their own — the active
 * ones by default — with their enabled switch, their settings, and activate/deactivate.
 */
export function EndpointTokens() {
  const [shown, setShown] = useState<Shown>('ACTIVE');
  const active = SHOWN.find((s) => s.value === shown)!.active;
  const list = useLiveQuery(ConsoleEndpointTokensDocument, { active }, ['ENDPOINT_SECONDARY'], (data) => data.endpointTokens);
  const [editing, setEditing] = useState<Listed | 'new' | null>(null);
  const [made, setMade] = useState<{ secret: string; name: string } | null>(null);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const change = confirmedChange(run, confirm, list.refetch);
  const setEnabled = (t: Listed, on: boolean) =>
    change(on ? null : { title: `Switch “${t.name}” off?`, consequence: 'It stops opening every endpoint at once.', confirmLabel: 'Switch off' }, () =>
      gql(ConsoleSetEndpointTokenEnabledDocument, { id: t.id, enabled: on }),
    );

  return (
    <section aria-labelledby="ept-title">
      <h1 id="ept-title">Endpoint tokens</h1>
      <p className="lead">Secondary tokens open the endpoints they are assigned to. Deactivated tokens are kept but open nothing until activated.</p>
      <div className="row">
        <div className="toggle" role="group" aria-label="Which tokens">
          {SHOWN.map((s) => (
            <button key={s.value} aria-pressed={shown === s.value} onClick={() => setShown(s.value)}>
              {s.label}
            </button>
          ))}
        </div>
        <button onClick={() => setEditing('new')}>New endpoint token</button>
      </div>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Endpoint tokens"
        columns={['Token', 'Status', 'Enabled', 'Assigned to', 'Last used', 'Actions']}
        empty={list.data?.endpointTokens.totalCount === 0 && 'No tokens here.'}
        more={list.more}
      >
        {list.data?.endpointTokens.edges.map(({ node }) => (
          <tr key={node.id} data-token-id={node.id}>
            <NameCell name={node.name} detail={node.description ?? undefined}>
              {!node.active && <div className="muted small">inactive</div>}
            </NameCell>
            <td>
              <StatusBadge status={node.status} />
            </td>
            <td>
              <Toggle checked={node.enabled} label={`${node.name} enabled`} onChange={(on) => setEnabled(node, on)} />
            </td>
            <td>{node.assignments.map((a) => a.endpoint?.name ?? '—').join(', ') || <span className="muted">nowhere</span>}</td>
            <td>{when(node.lastUsedAt)}</td>
            <td className="actions">
              <RowAction verb="Settings" phrase="Token settings of" of={node.name} onClick={() => setEditing(node)} />
              {node.active ? (
                <RowAction
                  verb="Deactivate"
                  of={node.name}
                  danger
                  onClick={() =>
                    change({ title: `Deactivate “${node.name}”?`, consequence: 'It stops at once on every endpoint.', confirmLabel: 'Deactivate' }, () =>
                      gql(ConsoleDeactivateEndpointTokenDocument, { id: node.id }),
                    )
                  }
                />
              ) : (
                <RowAction verb="Activate" of={node.name} onClick={() => change(null, () => gql(ConsoleActivateEndpointTokenDocument, { id: node.id }))} />
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {editing && (
        <TokenSettingsDialog
          token={editing === 'new' ? null : editing}
          onClose={(result) => {
            setEditing(null);
            if (result?.secret) setMade({ secret: result.secret, name: result.name });
            if (result) list.refetch();
          }}
        />
      )}
      {made && <SecretDialog title={`Endpoint token “${made.name}” created`} success="Created" secret={made.secret} onClose={() => setMade(null)} />}
      {confirmDialog}
    </section>
  );
}

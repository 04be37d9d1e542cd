import { useState } from 'react';
import { gql } from '../api';
import { CopyField, Dialog, ErrorLine, FormCard, SecretDialog, SelectField, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleActivateAppDocument,
  ConsoleAppsDocument,
  ConsoleCreateAppDocument,
  ConsoleDeleteAppDocument,
  ConsoleDisableAppDocument,
  ConsoleRevealAppSecretDocument,
  type ConsoleAppsQuery,
  type Role,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

type App = ConsoleAppsQuery['apps']['edges'][number]['node'];

/** The roles an app may have, most powerful first, as the console names them. */
const APP_ROLES: { role: Role; label: string }[] = [
  { role: 'AUTOMATION_ADMIN', label: 'Automation administrator: every workflow, instance and token' },
  { role: 'DEVELOPER', label: 'Developer' },
  { role: 'MEMBER', label: 'Member' },
];
const RANK: Record<Role, number> = { ADMIN: 3, AUTOMATION_ADMIN: 2, DEVELOPER: 1, MEMBER: 0 };

/** What an app may be given by a user of `role`: at most their own role, never ADMIN (the server decides too). */
function assignableRoles(role: Role | undefined) {
  return role ? APP_ROLES.filter((option) => RANK[option.role] <= RANK[role]) : APP_ROLES;
}

function roleName(role: Role): string {
  return role.toLowerCase().replace('_', ' ');
}

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

export function Apps(props: { viewerRole?: Role }) {
  const list = useLiveQuery(ConsoleAppsDocument, {}, ['APP_SECRET', 'APP_ACCESS'], (data) => data.apps);
  const roles = assignableRoles(props.viewerRole);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [role, setRole] = useState<Role>(roles[0].role);
  const [created, setCreated] = useState<{ name: string; clientId: string; secret: string } | null>(null);
  const [viewing, setViewing] = useState<App | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const create = submit(async () => {
    const result = await gql(ConsoleCreateAppDocument, { input: { name, description: description || null, role } });
    setCreated({ name, clientId: result.createApp.app.clientId, secret: result.createApp.secret });
    setName('');
    setDescription('');
    list.refetch();
  });
  const act = (kind: 'disable' | 'activate' | 'delete', app: App) =>
    void run(async () => {
      if (kind === 'activate') await gql(ConsoleActivateAppDocument, { id: app.id });
      else if (kind === 'disable') {
        if (
          !(await confirm({
            title: `Disable “${app.name}”?`,
            consequence: 'Its access tokens fail at once and it gets no new ones: the applications that use it will fail until it is activated.',
            confirmLabel: 'Disable',
          }))
        )
          return;
        await gql(ConsoleDisableAppDocument, { id: app.id });
      } else {
        if (
          !(await confirm({
            title: `Delete “${app.name}”?`,
            consequence: 'Its client secret and access tokens are deleted and fail at once: the applications that use it will fail for good.',
            confirmLabel: 'Delete',
          }))
        )
          return;
        await gql(ConsoleDeleteAppDocument, { id: app.id });
      }
      list.refetch();
    });

  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">Apps</h1>
      <p className="lead">Machine clients: an app exchanges its client ID and secret for short-lived access tokens.</p>
      <FormCard label="New app" title="Add an app" submit="Add app" onSubmit={create}>
        <TextField label="Name" required maxLength={100} value={name} onChange={setName} />
        <TextField label="Description" maxLength={1000} value={description} onChange={setDescription} />
        <SelectField label="Acts as" value={role} onChange={(value) => setRole(value as Role)} describedBy="app-role-hint">
          {roles.map((option) => (
            <option key={option.role} value={option.role}>
              {option.label}
            </option>
          ))}
        </SelectField>
        <p id="app-role-hint" className="muted small">
          Its access tokens act with this role, never above yours; if your role is lowered, the app's is too.
        </p>
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Apps"
        columns={['Name', 'Status', 'Acts as', 'Created by', 'Client ID', 'Last used', 'Actions']}
        empty={list.data?.apps.totalCount === 0 && 'No apps yet.'}
        more={list.more}
      >
        {list.data?.apps.edges.map(({ node }) => (
          <tr key={node.id}>
            <NameCell name={node.name} detail={node.description} />
            <td>
              <span className={`status ${node.status === 'ACTIVE' ? 'ok' : 'muted'}`}>{node.status === 'ACTIVE' ? '● Active' : '⊘ Disabled'}</span>
            </td>
            <td>{roleName(node.role)}</td>
            <td>{node.createdBy?.name ?? '—'}</td>
            <td>
              <code>{node.clientId}</code>
            </td>
            <td>{when(node.lastUsedAt)}</td>
            <td className="actions">
              <RowAction verb="View" of={node.name} onClick={() => setViewing(node)} />
              {node.status === 'ACTIVE' ? (
                <RowAction verb="Disable" of={node.name} onClick={() => act('disable', node)} />
              ) : (
                <RowAction verb="Activate" of={node.name} onClick={() => act('activate', node)} />
              )}
              <RowAction verb="Delete" of={node.name} danger onClick={() => act('delete', node)} />
            </td>
          </tr>
        ))}
      </DataTable>
      {created && (
        <SecretDialog
          title={`App “${created.name}” added`}
          success="Added"
          secret={created.secret}
          onClose={() => setCreated(null)}
          warning="Copy the client secret now: it will not be shown again here (administrators and you can reveal it later, audited)."
          extra={<CopyField label="Client ID" value={created.clientId} />}
        />
      )}
      {viewing && <AppDialog app={viewing} onClose={() => setViewing(null)} />}
      {confirmDialog}
    </section>
  );
}

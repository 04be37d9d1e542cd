import { useState } from 'react';
import { gql } from '../api';
import { confirmedChange, ErrorLine, FormCard, SecretDialog, SelectField, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleDeactivateUserDocument,
  ConsoleDeleteUserDocument,
  ConsoleInviteUserDocument,
  ConsoleReactivateUserDocument,
  ConsoleUpdateUserDocument,
  ConsoleUsersDocument,
  type ConsoleUsersQuery,
  type Role,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

type Person = ConsoleUsersQuery['users']['edges'][number]['node'];

const ROLES: { value: Role; label: string }[] = [
  { value: 'ADMIN', label: 'Administrator' },
  { value: 'AUTOMATION_ADMIN', label: 'Automation administrator' },
  { value: 'DEVELOPER', label: 'Developer' },
  { value: 'MEMBER', label: 'Member' },
];

/**
 * The people of the tenant (administrators): invite (a first token shown once), change a role,
 * deactivate and reactivate (every token acting as them stops and starts again), delete.
 */
export function Users(props: { viewerId: string }) {
  const list = useLiveQuery(ConsoleUsersDocument, {}, ['PERSONAL_ACCESS', 'APP_SECRET'], (data) => data.users);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [invited, setInvited] = useState<{ name: string; secret: string } | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const invite = submit(async () => {
    const result = await gql(ConsoleInviteUserDocument, { input: { email, name, role } });
    setInvited({ name: result.createUser.user.name, secret: result.createUser.secret });
    setEmail('');
    setName('');
    list.refetch();
  });

  const act = confirmedChange(run, confirm, list.refetch);

  const changeRole = (person: Person, next: Role) =>
    act(
      {
        title: `Make ${person.name} ${ROLES.find((r) => r.value === next)?.label.toLowerCase()}?`,
        consequence: 'It takes effect at once: their tokens, their open connections and the apps they made act with the new role.',
        confirmLabel: 'Change role',
      },
      () => gql(ConsoleUpdateUserDocument, { id: person.id, input: { role: next } }),
    );

  const deactivate = (person: Person) =>
    act(
      {
        title: `Deactivate ${person.name}?`,
        consequence:
          'Every token that acts as them — their personal access tokens and the apps they made — stops working now, everywhere, until you reactivate them.',
        confirmLabel: 'Deactivate',
      },
      () => gql(ConsoleDeactivateUserDocument, { id: person.id }),
    );

  const remove = (person: Person) =>
    act(
      {
        title: `Delete ${person.name}?`,
        consequence: 'Their personal access tokens are revoked now and the apps they made stop working. This cannot be undone.',
        confirmLabel: 'Delete',
      },
      () => gql(ConsoleDeleteUserDocument, { id: person.id }),
    );

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <p className="lead">The people of this tenant. Stopping a person stops every token that acts as them, at once.</p>
      <FormCard label="Invite a user" title="Invite a user" submit="Invite" onSubmit={invite}>
        <TextField label="Email" type="email" required maxLength={254} value={email} onChange={setEmail} />
        <TextField label="Full name" required maxLength={100} value={name} onChange={setName} />
        <SelectField label="Role" value={role} onChange={(r) => setRole(r as Role)}>
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </SelectField>
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <DataTable label="Users" columns={['Name', 'Role', 'Status', 'Working tokens', 'Last seen', 'Created', 'Actions']} more={list.more}>
        {list.data?.users.edges.map(({ node }) => (
          <tr key={node.id} data-user-id={node.id}>
            <NameCell name={node.name} detail={node.email} />
            <td>
              <select
                aria-label={`Role of ${node.name}`}
                value={node.role}
                disabled={node.id === props.viewerId}
                onChange={(e) => changeRole(node, e.target.value as Role)}
              >
                {ROLES.map((r) => (
                  <option key={r.value} value={r.value}>
                    {r.label}
                  </option>
                ))}
              </select>
            </td>
            <td data-status={node.status}>{node.status === 'ACTIVE' ? 'Active' : `Deactivated ${when(node.deactivatedAt)}`}</td>
            <td>{node.activeTokenCount}</td>
            <td>{when(node.lastSeenAt)}</td>
            <td>{when(node.createdAt)}</td>
            <td className="actions">
              {node.status === 'ACTIVE' ? (
                <RowAction verb="Deactivate" of={node.name} danger onClick={() => deactivate(node)} />
              ) : (
                <RowAction verb="Reactivate" of={node.name} onClick={() => act(null, () => gql(ConsoleReactivateUserDocument, { id: node.id }))} />
              )}
              <RowAction verb="Delete" of={node.name} danger onClick={() => remove(node)} />
            </td>
          </tr>
        ))}
      </DataTable>
      {invited && (
        <SecretDialog
          title={`${invited.name} invited`}
          success="Invited"
          secret={invited.secret}
          warning="Hand this first token (7 days) to them now: it will not be shown again."
          onClose={() => setInvited(null)}
        />
      )}
      {confirmDialog}
    </section>
  );
}

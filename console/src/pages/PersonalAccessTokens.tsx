import { useState } from 'react';
import { gql } from '../api';
import { confirmedChange, CopyField, ErrorLine, SecretDialog, StatusBadge, useAction, useConfirm, when } from '../components';
import {
  ConsoleDeletePatDocument,
  ConsolePersonalAccessTokensDocument,
  ConsoleRevokePatDocument,
  ConsoleRotatePatDocument,
  ConsoleTenantPersonalAccessTokensDocument,
  type ConsolePatFragment,
  type ConsolePersonalAccessTokensQuery,
  type ConsoleTenantPersonalAccessTokensQuery,
  type Role,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';
import { DURATION_LABELS } from './pats/durations';
import { NewPatForm } from './pats/NewPatForm';
import { PatDetails } from './pats/PatDetails';

/** The list in either query's answer (yours, or everyone's). */
function patsOf(data: ConsoleTenantPersonalAccessTokensQuery | ConsolePersonalAccessTokensQuery) {
  return 'tenantPersonalAccessTokens' in data ? data.tenantPersonalAccessTokens : data.personalAccessTokens;
}

/**
 * Your personal access tokens — and, for administrators, everyone's (seed 001's oversight): make
 * one under the tenant's policy, view, rotate, revoke, delete (a working token: revoke and delete
 * in one confirmed step).
 */
export function PersonalAccessTokens(props: { viewerRole: Role; viewerId: string }) {
  const admin = props.viewerRole === 'ADMIN';
  const [everyone, setEveryone] = useState(false);
  const both = admin && everyone;
  // One list at a time: yours, or (administrators) everyone's.
  const list = useLiveQuery(
    (both ? ConsoleTenantPersonalAccessTokensDocument : ConsolePersonalAccessTokensDocument) as typeof ConsoleTenantPersonalAccessTokensDocument,
    {},
    ['PERSONAL_ACCESS'],
    patsOf,
  );
  const edges = list.data ? patsOf(list.data).edges : undefined;
  const [created, setCreated] = useState<{ secret: string; curl: string; name: string; rotated?: boolean } | null>(null);
  const [viewing, setViewing] = useState<ConsolePatFragment | null>(null);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();
  const refetch = list.refetch;

  const act = confirmedChange(run, confirm, refetch);

  const revoke = (t: ConsolePatFragment) =>
    act(
      {
        title: `Revoke “${t.name}”?`,
        consequence: 'It stops working at once, everywhere: scripts, workflows and applications that use this token will fail.',
        confirmLabel: 'Revoke',
      },
      () => gql(ConsoleRevokePatDocument, { id: t.id }),
    );

  const remove = (t: ConsolePatFragment, working: boolean) =>
    act(
      working
        ? {
            title: `Revoke and delete “${t.name}”?`,
            consequence: 'The token stops working now, everywhere, and leaves this list for good; its history stays in the audit log.',
            confirmLabel: 'Revoke and delete',
          }
        : {
            title: `Delete “${t.name}”?`,
            consequence: 'The token leaves this list for good. It already no longer works; its history stays in the audit log.',
            confirmLabel: 'Delete',
          },
      () => gql(ConsoleDeletePatDocument, { id: t.id, revokeFirst: working }),
    );

  const rotate = (t: ConsolePatFragment) =>
    void run(async () => {
      const ok = await confirm({
        title: `Rotate “${t.name}”?`,
        consequence: 'It gets a new value and a new term of the same length. The current value stops working now, everywhere.',
        confirmLabel: 'Rotate',
      });
      if (!ok) return;
      const result = await gql(ConsoleRotatePatDocument, { id: t.id });
      setCreated({ secret: result.rotatePersonalAccessToken.secret, curl: '', name: t.name, rotated: true });
      refetch();
    });

  return (
    <section aria-labelledby="pat-title">
      <h1 id="pat-title">Personal access tokens</h1>
      <p className="lead">A personal access token acts as you on the API: it can do what you may do, no more — less, with scopes.</p>
      <NewPatForm
        onCreated={(made) => {
          setCreated(made);
          refetch();
        }}
      />
      {admin && (
        <div className="toggle" role="group" aria-label="Whose tokens">
          <button aria-pressed={!everyone} onClick={() => setEveryone(false)}>
            Mine
          </button>
          <button aria-pressed={everyone} onClick={() => setEveryone(true)}>
            Everyone’s
          </button>
        </div>
      )}
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label={both ? 'Personal access tokens of everyone' : 'Personal access tokens'}
        columns={[...(both ? ['Owner'] : []), 'Name', 'Status', 'Duration', 'Expires', 'Last used', 'Actions']}
        empty={edges?.length === 0 && 'No tokens yet.'}
        more={list.more}
      >
        {edges?.map(({ node }) => {
          const working = node.status === 'ACTIVE' || node.status === 'EXPIRING';
          return (
            <tr key={node.id} data-token-id={node.id}>
              {both && <td data-label="Owner">{node.owner?.name ?? 'deleted user'}</td>}
              <NameCell name={node.name} detail={node.description} />
              <td>
                <StatusBadge status={node.status} />
              </td>
              <td>{DURATION_LABELS[node.duration]}</td>
              <td>{when(node.expiresAt)}</td>
              <td>{when(node.lastUsedAt)}</td>
              <td className="actions">
                <RowAction verb="View" of={node.name} onClick={() => setViewing(node)} />
                {working && node.owner?.id === props.viewerId && <RowAction verb="Rotate" of={node.name} onClick={() => rotate(node)} />}
                {working && <RowAction verb="Revoke" of={node.name} danger onClick={() => revoke(node)} />}
                <RowAction verb="Delete" of={node.name} danger={working} onClick={() => remove(node, working)} />
              </td>
            </tr>
          );
        })}
      </DataTable>
      {created && (
        <SecretDialog
          title={created.rotated ? `Token “${created.name}” rotated` : `Token “${created.name}” created`}
          success={created.rotated ? 'Rotated' : 'Created'}
          secret={created.secret}
          onClose={() => setCreated(null)}
          extra={created.curl ? <CopyField label="curl example" value={created.curl} multiline /> : undefined}
        />
      )}
      {viewing && <PatDetails token={viewing} onClose={() => setViewing(null)} />}
      {confirmDialog}
    </section>
  );
}

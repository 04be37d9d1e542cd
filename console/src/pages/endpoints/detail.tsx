import { useState } from 'react';
import { gql } from '../../api';
import { CopyButton, ErrorLine, SecretDialog, StatusBadge, TextField, useAction, useConfirm, when } from '../../components';
import {
  ConsoleActivateEndpointTokenDocument,
  ConsoleCreateEndpointTokenDocument,
  ConsoleDeactivateEndpointTokenDocument,
  ConsoleEndpointDocument,
  ConsoleGeneratePrimaryTokenDocument,
  ConsoleRegenerateEndpointTokenDocument,
  ConsoleRevealEndpointTokenDocument,
  ConsoleSetAssignmentEnabledDocument,
  ConsoleSetEndpointTokenEnabledDocument,
  ConsoleUnassignEndpointTokenDocument,
  ConsoleUpdateEndpointDocument,
  type EndpointAuthentication,
  type HttpMethod,
} from '../../generated/graphql';
import { useLiveQuery } from '../../live';
import { DataTable, NameCell, RowAction } from '../../table';
import { AssignDialog, DataViewer, ENDPOINT_KINDS, Toggle } from './parts';

/**
 * An endpoint's security settings, editable after creation (seed 002): authentication (TOKEN or
 * NONE) and whether DELETE is allowed. Each change that cuts callers asks first.
 */
function SecuritySettings(props: { endpoint: { id: string; authentication: EndpointAuthentication; allowDelete: boolean }; onSaved(): void }) {
  const [authentication, setAuthentication] = useState<EndpointAuthentication>(props.endpoint.authentication);
  const [allowDelete, setAllowDelete] = useState(props.endpoint.allowDelete);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();
  const changed = authentication !== props.endpoint.authentication || allowDelete !== props.endpoint.allowDelete;
  const save = () =>
    void run(async () => {
      const cuts: string[] = [];
      if (authentication === 'NONE' && props.endpoint.authentication === 'TOKEN') cuts.push('its primary tokens are deleted and anyone can call it');
      if (!allowDelete && props.endpoint.allowDelete) cuts.push('DELETE calls are refused and the DELETE primary token is deleted');
      if (cuts.length && !(await confirm({ title: 'Change the security settings?', consequence: `From now on ${cuts.join('; ')}.`, confirmLabel: 'Change' })))
        return;
      await gql(ConsoleUpdateEndpointDocument, { id: props.endpoint.id, input: { authentication, allowDelete } });
      props.onSaved();
    });
  return (
    <section className="card" aria-labelledby="security-title">
      <h2 id="security-title">Security settings</h2>
      <div className="form">
        <div className="field">
          <label htmlFor="endpoint-authentication">Authentication</label>
          <select id="endpoint-authentication" value={authentication} onChange={(e) => setAuthentication(e.target.value as EndpointAuthentication)}>
            <option value="TOKEN">Token (callers present a primary or an assigned secondary token)</option>
            <option value="NONE">None (anyone may call it)</option>
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={allowDelete} onChange={(e) => setAllowDelete(e.target.checked)} /> Allow deleting (DELETE calls)
        </label>
        <button onClick={save} disabled={!changed}>
          Save security settings
        </button>
      </div>
      <ErrorLine error={error} />
      {confirmDialog}
    </section>
  );
}

export function EndpointDetail(props: { id: string }) {
  const [hideUnassigned, setHideUnassigned] = useState(false);
  const endpoint = useLiveQuery(ConsoleEndpointDocument, { id: props.id, hideUnassigned }, [...ENDPOINT_KINDS]);
  const [secret, setSecret] = useState<{ title: string; value: string; success?: string } | null>(null);
  const [assigning, setAssigning] = useState<{ id: string; name: string } | null>(null);
  const [newName, setNewName] = useState('');
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();
  const e = endpoint.data?.endpoint;
  const methods: HttpMethod[] = e?.allowDelete ? ['GET', 'POST', 'DELETE'] : ['GET', 'POST'];

  const generate = (method: HttpMethod) =>
    void run(async () => {
      if (
        !(await confirm({
          title: `Generate a new ${method} primary token?`,
          consequence: `The current ${method} primary token stops working at once: every caller using it will fail until given the new value.`,
          confirmLabel: 'Generate',
        }))
      )
        return;
      const token = (await gql(ConsoleGeneratePrimaryTokenDocument, { endpointId: props.id, method })).generatePrimaryToken;
      if (token.secret) setSecret({ title: `New ${method} primary token`, value: token.secret, success: 'Created' });
      endpoint.refetch();
    });
  const createToken = submit(async () => {
    const result = await gql(ConsoleCreateEndpointTokenDocument, { input: { name: newName, enabled: true } });
    setSecret({ title: `Secondary token “${newName}” created`, value: result.createEndpointToken.secret, success: 'Created' });
    setNewName('');
    endpoint.refetch();
  });
  const setTokenEnabled = (id: string, name: string, enabled: boolean) =>
    void run(async () => {
      if (
        !enabled &&
        !(await confirm({
          title: `Switch “${name}” off?`,
          consequence: 'It stops opening every endpoint at once: the applications using it will fail until it is switched on.',
          confirmLabel: 'Switch off',
        }))
      )
        return;
      await gql(ConsoleSetEndpointTokenEnabledDocument, { id, enabled });
      endpoint.refetch();
    });
  const setAssignmentEnabled = (id: string, name: string, enabled: boolean) =>
    void run(async () => {
      if (
        !enabled &&
        !(await confirm({
          title: `Switch the assignment of “${name}” off?`,
          consequence: 'This one integration stops reaching this endpoint at once; the token keeps working elsewhere.',
          confirmLabel: 'Switch off',
        }))
      )
        return;
      await gql(ConsoleSetAssignmentEnabledDocument, { id, enabled });
      endpoint.refetch();
    });
  const unassign = (id: string, name: string) =>
    void run(async () => {
      if (
        !(await confirm({
          title: `Unassign “${name}”?`,
          consequence: 'The application using this token can no longer call this endpoint.',
          confirmLabel: 'Unassign',
        }))
      )
        return;
      await gql(ConsoleUnassignEndpointTokenDocument, { id });
      endpoint.refetch();
    });

  const tokenAction = (kind: 'reveal' | 'regenerate' | 'deactivate' | 'activate', id: string, name: string) =>
    void run(async () => {
      if (kind === 'reveal') {
        const value = (await gql(ConsoleRevealEndpointTokenDocument, { id })).revealEndpointToken.secret;
        setSecret({ title: `Value of “${name}”`, value });
        return;
      }
      if (kind === 'regenerate') {
        if (
          !(await confirm({
            title: `Regenerate “${name}”?`,
            consequence:
              'A new value replaces it and the old one stops at once: every application using it fails until given the new value. Its assignments stay.',
            confirmLabel: 'Regenerate',
          }))
        )
          return;
        const value = (await gql(ConsoleRegenerateEndpointTokenDocument, { id })).regenerateEndpointToken.secret;
        setSecret({ title: `New value of “${name}”`, value });
      } else if (kind === 'deactivate') {
        if (
          !(await confirm({
            title: `Deactivate “${name}”?`,
            consequence: 'It stops at once on every endpoint and leaves the default list: the applications using it will fail until it is activated.',
            confirmLabel: 'Deactivate',
          }))
        )
          return;
        await gql(ConsoleDeactivateEndpointTokenDocument, { id });
      } else {
        await gql(ConsoleActivateEndpointTokenDocument, { id });
      }
      endpoint.refetch();
    });

  if (!e) return <ErrorLine error={endpoint.error} />;
  const tokens = e.tokens.edges.map((edge) => edge.node);
  const guarded = e.authentication === 'TOKEN';
  return (
    <section aria-labelledby="epd-title">
      <p>
        <a href="#/endpoints">← Endpoints</a>
      </p>
      <h1 id="epd-title">{e.name}</h1>
      <p>
        <code>{e.url}</code> <CopyButton value={e.url} label="Copy the endpoint URL" />
      </p>
      <ErrorLine error={error} />
      <SecuritySettings endpoint={e} onSaved={endpoint.refetch} />
      {!guarded && <p className="card">This endpoint accepts any call: it has no tokens. Switch its authentication to Token to give it some.</p>}
      {guarded && (
        <>
          <section className="card" aria-labelledby="primary-title">
            <h2 id="primary-title">Primary tokens</h2>
            <ul className="plain">
              {e.primaryTokens.map((p) => (
                <li key={p.id} className="row">
                  <strong className="method">{p.method}</strong> <code>{p.start}…</code>
                  {p.secret && <CopyButton value={p.secret} label={`Copy the ${p.method} primary token`} />}
                  <button onClick={() => generate(p.method)} aria-label={`Generate the ${p.method} primary token`}>
                    Generate
                  </button>
                  <span className="muted small">last used {when(p.lastUsedAt)}</span>
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-labelledby="secondary-title">
            <h2 id="secondary-title">Secondary tokens</h2>
            <div className="row">
              <Toggle checked={hideUnassigned} label="Hide unassigned tokens" onChange={setHideUnassigned} />
              <span>Hide unassigned tokens</span>
            </div>
            <DataTable
              label="Secondary tokens"
              columns={['Token', 'Status', 'Enabled', 'Assignment', 'Actions']}
              empty={tokens.length === 0 && (hideUnassigned ? 'No token is assigned to this endpoint.' : 'No secondary tokens yet.')}
            >
              {tokens.map(({ token, assigned, assignment }) => (
                <tr key={token.id} data-token-name={token.name}>
                  <NameCell
                    name={token.name}
                    detail={
                      <>
                        <code>{token.start}…</code>
                        {!token.active && ' (inactive)'}
                      </>
                    }
                  />
                  <td>
                    <StatusBadge status={token.status} />
                  </td>
                  <td>
                    <Toggle checked={token.enabled} label={`${token.name} enabled`} onChange={(on) => setTokenEnabled(token.id, token.name, on)} />
                  </td>
                  <td>
                    {assigned && assignment ? (
                      <div className="row">
                        <Toggle
                          checked={assignment.enabled}
                          label={`Assignment of ${token.name} enabled`}
                          onChange={(on) => setAssignmentEnabled(assignment.id, token.name, on)}
                        />
                        <span className="small">{assignment.methods.join(', ')}</span>
                      </div>
                    ) : (
                      <span className="muted">Not assigned</span>
                    )}
                  </td>
                  <td className="actions">
                    {assigned && assignment ? (
                      <RowAction verb="Unassign" of={token.name} onClick={() => unassign(assignment.id, token.name)} />
                    ) : (
                      <RowAction verb="Assign" of={token.name} onClick={() => setAssigning({ id: token.id, name: token.name })} />
                    )}
                    <RowAction verb="Reveal" of={token.name} onClick={() => tokenAction('reveal', token.id, token.name)} />
                    <RowAction verb="Regenerate" of={token.name} onClick={() => tokenAction('regenerate', token.id, token.name)} />
                    {token.active ? (
                      <RowAction verb="Deactivate" of={token.name} danger onClick={() => tokenAction('deactivate', token.id, token.name)} />
                    ) : (
                      <RowAction verb="Activate" of={token.name} onClick={() => tokenAction('activate', token.id, token.name)} />
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
            <form className="form inline" onSubmit={createToken} aria-label="New secondary token">
              <TextField label="New secondary token name" required maxLength={100} value={newName} onChange={setNewName} />
              <button type="submit">Create secondary token</button>
            </form>
          </section>
        </>
      )}
      <DataViewer
        endpointId={e.id}
        tokens={[...e.primaryTokens.map((p) => ({ id: p.id, name: `${p.method} primary` })), ...tokens.map((t) => ({ id: t.token.id, name: t.token.name }))]}
      />
      {assigning && (
        <AssignDialog
          endpointId={e.id}
          token={assigning}
          methods={methods}
          onClose={(done) => {
            setAssigning(null);
            if (done) endpoint.refetch();
          }}
        />
      )}
      {secret && <SecretDialog title={secret.title} secret={secret.value} success={secret.success} onClose={() => setSecret(null)} />}
      {confirmDialog}
    </section>
  );
}

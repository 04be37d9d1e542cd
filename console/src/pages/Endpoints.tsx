import { useId, useState } from 'react';
import { gql } from '../api';
import { CopyButton, Dialog, ErrorLine, FormCard, SecretDialog, StatusBadge, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleAssignEndpointTokenDocument,
  ConsoleCreateEndpointDocument,
  ConsoleActivateEndpointTokenDocument,
  ConsoleCreateEndpointTokenDocument,
  ConsoleDeactivateEndpointTokenDocument,
  ConsoleRegenerateEndpointTokenDocument,
  ConsoleRevealEndpointTokenDocument,
  ConsoleEndpointDataDocument,
  ConsoleEndpointDocument,
  ConsoleEndpointsDocument,
  ConsoleGeneratePrimaryTokenDocument,
  ConsoleSetAssignmentEnabledDocument,
  ConsoleSetEndpointTokenEnabledDocument,
  ConsoleUnassignEndpointTokenDocument,
  type HttpMethod,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, MoreLine, NameCell, RowAction } from '../table';

const ENDPOINT_KINDS = ['ENDPOINT_PRIMARY', 'ENDPOINT_SECONDARY'] as const;

export function Endpoints(props: { open(id: string): void }) {
  const list = useLiveQuery(ConsoleEndpointsDocument, {}, [...ENDPOINT_KINDS], (data) => data.endpoints);
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [allowDelete, setAllowDelete] = useState(false);
  const [error, , submit] = useAction();
  const create = submit(async () => {
    await gql(ConsoleCreateEndpointDocument, { input: { name, path, allowDelete, authentication: 'TOKEN' } });
    setName('');
    setPath('');
    list.refetch();
  });
  return (
    <section aria-labelledby="ep-title">
      <h1 id="ep-title">Endpoints</h1>
      <p className="lead">Endpoints receive data over HTTP at /endpoints/&lt;path&gt;, opened by their primary tokens and by assigned secondary tokens.</p>
      <FormCard label="New endpoint" title="New endpoint" submit="Create endpoint" onSubmit={create}>
        <TextField label="Name" required maxLength={100} value={name} onChange={setName} />
        <TextField label="Path" required maxLength={200} value={path} onChange={setPath} placeholder="orders/incoming" />
        <label className="check">
          <input type="checkbox" checked={allowDelete} onChange={(e) => setAllowDelete(e.target.checked)} /> Allow DELETE
        </label>
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <ul className="cards" aria-label="Endpoints">
        {list.data?.endpoints.edges.map(({ node }) => (
          <li key={node.id} className="card">
            <h2>
              <a href={`#/endpoints/${node.id}`} onClick={() => props.open(node.id)}>
                {node.name}
              </a>
            </h2>
            <code className="small">{node.url}</code>
            <div className="muted small">Security: {node.authentication === 'TOKEN' ? 'token' : 'none'}</div>
          </li>
        ))}
      </ul>
      <MoreLine more={list.more} label="Endpoints" />
      {list.data && list.data.endpoints.totalCount === 0 && <p className="empty">No endpoints yet.</p>}
    </section>
  );
}

/** A switch: a checkbox with role=switch, labelled, operable by keyboard. */
function Toggle(props: { checked: boolean; label: string; onChange(checked: boolean): void }) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} aria-label={props.label} />
      <span aria-hidden="true">{props.checked ? 'On' : 'Off'}</span>
    </label>
  );
}

function AssignDialog(props: { endpointId: string; token: { id: string; name: string }; methods: HttpMethod[]; onClose(done: boolean): void }) {
  const [chosen, setChosen] = useState<HttpMethod[]>(['POST']);
  const [error, run] = useAction();
  const assign = () =>
    void run(async () => {
      await gql(ConsoleAssignEndpointTokenDocument, { input: { endpointId: props.endpointId, tokenId: props.token.id, methods: chosen } });
      props.onClose(true);
    });
  return (
    <Dialog
      title={`Assign “${props.token.name}”`}
      onClose={() => props.onClose(false)}
      actions={
        <>
          <button onClick={() => props.onClose(false)}>Cancel</button>
          <button onClick={assign} disabled={chosen.length === 0}>
            Assign
          </button>
        </>
      }
    >
      <fieldset>
        <legend>Methods it may call</legend>
        {props.methods.map((method) => (
          <label key={method} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(method)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, method] : chosen.filter((m) => m !== method))}
            />{' '}
            {method}
          </label>
        ))}
      </fieldset>
      <ErrorLine error={error} />
    </Dialog>
  );
}

function DataViewer(props: { endpointId: string; tokens: { id: string; name: string }[] }) {
  const [tokenId, setTokenId] = useState('');
  const id = useId();
  const data = useLiveQuery(ConsoleEndpointDataDocument, { endpointId: props.endpointId, tokenId: tokenId || null }, [...ENDPOINT_KINDS]);
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>Data viewer</h2>
      <label>
        Filter by token{' '}
        <select value={tokenId} onChange={(e) => setTokenId(e.target.value)}>
          <option value="">All tokens</option>
          {props.tokens.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>{' '}
      <button onClick={data.refetch}>Reload</button>
      <ErrorLine error={data.error} />
      <DataTable
        label="Calls received"
        columns={['Received', 'Method', 'Token', 'Outcome', 'Size', 'Body']}
        empty={data.data?.endpointData.totalCount === 0 && `No calls received${tokenId ? ' with this token' : ''}.`}
      >
        {data.data?.endpointData.edges.map(({ node }) => (
          <tr key={node.id}>
            <td>{when(node.receivedAt)}</td>
            <td>{node.method}</td>
            <td>{node.tokenName ?? '—'}</td>
            <td>
              {node.outcome} ({node.statusCode}){node.reason ? ` ${node.reason}` : ''}
            </td>
            <td>{node.payloadSize} B</td>
            <td>
              <code className="small">{node.body === null || node.body === undefined ? '' : JSON.stringify(node.body).slice(0, 120)}</code>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

export function EndpointDetail(props: { id: string }) {
  const [hideUnassigned, setHideUnassigned] = useState(false);
  const endpoint = useLiveQuery(ConsoleEndpointDocument, { id: props.id, hideUnassigned }, [...ENDPOINT_KINDS]);
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
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
      if (token.secret) setSecret({ title: `New ${method} primary token`, value: token.secret });
      endpoint.refetch();
    });
  const createToken = submit(async () => {
    const result = await gql(ConsoleCreateEndpointTokenDocument, { input: { name: newName, enabled: true } });
    setSecret({ title: `Secondary token “${newName}” created`, value: result.createEndpointToken.secret });
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
      <section className="card" aria-labelledby="primary-title">
        <h2 id="primary-title">Primary tokens</h2>
        {e.authentication === 'NONE' && <p>This endpoint accepts any call: it has no tokens.</p>}
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
      {secret && <SecretDialog title={secret.title} secret={secret.value} onClose={() => setSecret(null)} />}
      {confirmDialog}
    </section>
  );
}

import { useId, useState } from 'react';
import { gql } from '../../api';
import { Dialog, ErrorLine, useAction, when } from '../../components';
import { ConsoleAssignEndpointTokenDocument, ConsoleEndpointDataDocument, type HttpMethod } from '../../generated/graphql';
import { useLiveQuery } from '../../live';
import { DataTable } from '../../table';

/** The kinds of token the endpoint pages listen to. */
export const ENDPOINT_KINDS = ['ENDPOINT_PRIMARY', 'ENDPOINT_SECONDARY'] as const;

/** A switch: a checkbox with role=switch, labelled, operable by keyboard. */
export function Toggle(props: { checked: boolean; label: string; onChange(checked: boolean): void }) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} aria-label={props.label} />
      <span aria-hidden="true">{props.checked ? 'On' : 'Off'}</span>
    </label>
  );
}

export function AssignDialog(props: { endpointId: string; token: { id: string; name: string }; methods: HttpMethod[]; onClose(done: boolean): void }) {
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

export function DataViewer(props: { endpointId: string; tokens: { id: string; name: string }[] }) {
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

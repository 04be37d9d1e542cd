import { useState } from 'react';
import { gql } from '../api';
import { ErrorLine, FormCard, TextField, useAction } from '../components';
import { ConsoleCreateEndpointDocument, ConsoleEndpointsDocument } from '../generated/graphql';
import { useLiveQuery } from '../live';
import { MoreLine } from '../table';
import { ENDPOINT_KINDS } from './endpoints/parts';

export { EndpointDetail } from './endpoints/detail';
export { EndpointTokens } from './endpoints/tokens';

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

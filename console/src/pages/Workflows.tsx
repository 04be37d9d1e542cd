import { useEffect, useState } from 'react';
import { gql } from '../api';
import { CopyField, Dialog, ErrorLine, FormCard, SecretDialog, SelectField, StatusBadge, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleDeleteWorkflowTokenDocument,
  ConsolePublishWorkflowDocument,
  ConsoleRefreshWorkflowTokenDocument,
  ConsoleRegenerateWorkflowTokenDocument,
  ConsoleRevokeWorkflowTokenDocument,
  ConsoleWorkflowApiEndpointDocument,
  ConsoleWorkflowTokensDocument,
  type ConsoleWorkflowApiEndpointQuery,
  type WorkflowStartEvent,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

type ApiEndpoint = NonNullable<NonNullable<ConsoleWorkflowApiEndpointQuery['workflow']['token']>['apiEndpoint']>;

type TokenAction = 'refresh' | 'revoke' | 'regenerate' | 'delete';

/**
 * The "API endpoints" view: URL, URL with token, headers, body and curl, each with a copy button;
 * the token's actions sit in a menu next to the Token field (seed 000).
 */
function ApiEndpointsDialog(props: { workflowId: string; name: string; onClose(): void; onAction(kind: TokenAction): void }) {
  const [endpoint, setEndpoint] = useState<ApiEndpoint | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => {
      const data = await gql(ConsoleWorkflowApiEndpointDocument, { id: props.workflowId, reveal: revealed });
      setEndpoint(data.workflow.token?.apiEndpoint ?? null);
    });
  }, [props.workflowId, revealed, run]);
  return (
    <Dialog title={`API endpoints of “${props.name}”`} onClose={props.onClose}>
      <ErrorLine error={error} />
      {endpoint && (
        <div className="stack">
          <CopyField label="URL" value={endpoint.url} />
          <CopyField label="URL with token" value={endpoint.urlWithToken} />
          <div className="token-field">
            {endpoint.token ? (
              <CopyField label="Token" value={endpoint.token} />
            ) : (
              <button onClick={() => setRevealed(true)}>Reveal the token (audited)</button>
            )}
            <details className="menu">
              <summary aria-label={`Token actions of “${props.name}”`}>Token actions</summary>
              <div role="menu">
                {(['refresh', 'regenerate', 'revoke', 'delete'] as const).map((kind) => (
                  <button
                    key={kind}
                    role="menuitem"
                    className={kind === 'revoke' || kind === 'delete' ? 'danger' : undefined}
                    onClick={() => props.onAction(kind)}
                  >
                    {kind[0].toUpperCase() + kind.slice(1)}
                  </button>
                ))}
              </div>
            </details>
          </div>
          <CopyField label="Request headers" value={endpoint.requestHeaders.map((h) => `${h.name}: ${h.value}`).join('\n')} multiline />
          <CopyField label="Request body" value={endpoint.requestBody} multiline />
          <CopyField label="curl" value={endpoint.curl} multiline />
        </div>
      )}
    </Dialog>
  );
}

export function Workflows() {
  const list = useLiveQuery(ConsoleWorkflowTokensDocument, {}, ['WORKFLOW'], (data) => data.workflowTokens);
  const [name, setName] = useState('');
  const [startEvent, setStartEvent] = useState<WorkflowStartEvent>('COMPONENT');
  const [schema, setSchema] = useState('');
  const [secret, setSecret] = useState<{ title: string; value: string; note?: string; success?: string } | null>(null);
  const [endpointsOf, setEndpointsOf] = useState<{ id: string; name: string } | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const publish = submit(async () => {
    let requestSchema: Record<string, unknown> | null = null;
    if (schema.trim()) {
      try {
        requestSchema = JSON.parse(schema) as Record<string, unknown>;
      } catch {
        throw new Error('The request schema is not valid JSON.');
      }
    }
    const result = await gql(ConsolePublishWorkflowDocument, { input: { name, startEvent, requestSchema } });
    if (result.publishWorkflow.secret) setSecret({ title: `Workflow “${name}” published`, value: result.publishWorkflow.secret, success: 'Published' });
    setName('');
    list.refetch();
  });

  const act = (kind: TokenAction, workflowId: string, tokenName: string) =>
    void run(async () => {
      if (kind === 'refresh') {
        if (
          !(await confirm({
            title: `Refresh the token of “${tokenName}”?`,
            consequence: 'It gets a full new term (one year) from now; its value does not change, so callers keep working.',
            confirmLabel: 'Refresh',
          }))
        )
          return;
        await gql(ConsoleRefreshWorkflowTokenDocument, { workflowId });
      } else if (kind === 'revoke') {
        if (
          !(await confirm({
            title: `Revoke the token of “${tokenName}”?`,
            consequence: 'It stops working at once: callers that start this workflow from outside will fail until it is regenerated.',
            confirmLabel: 'Revoke',
          }))
        )
          return;
        await gql(ConsoleRevokeWorkflowTokenDocument, { workflowId });
      } else if (kind === 'regenerate') {
        if (
          !(await confirm({
            title: `Regenerate the token of “${tokenName}”?`,
            consequence: 'A new value replaces the current one. The old value keeps working for 24 hours, then callers still using it will fail.',
            confirmLabel: 'Regenerate',
          }))
        )
          return;
        const result = await gql(ConsoleRegenerateWorkflowTokenDocument, { workflowId });
        const grace = result.regenerateWorkflowToken.graceEndsAt;
        setSecret({
          title: `New token for “${tokenName}”`,
          value: result.regenerateWorkflowToken.secret,
          note: grace ? `The previous value works until ${when(grace)}.` : 'The previous value no longer works.',
        });
      } else {
        if (
          !(await confirm({
            title: `Delete the token of “${tokenName}”?`,
            consequence:
              'The workflow can no longer be started from outside until it is republished or its token regenerated: every integration that starts it will fail.',
            confirmLabel: 'Delete',
          }))
        )
          return;
        await gql(ConsoleDeleteWorkflowTokenDocument, { workflowId });
      }
      list.refetch();
    });

  return (
    <section aria-labelledby="wf-title">
      <h1 id="wf-title">Component workflow tokens</h1>
      <p className="lead">
        Each component workflow has one token that starts it from outside. It lives a year: refresh keeps the value, regenerate replaces it.
      </p>
      <FormCard label="Publish a workflow" title="Publish a workflow" submit="Publish" onSubmit={publish}>
        <TextField label="Workflow name" required maxLength={100} value={name} onChange={setName} />
        <SelectField label="Start event" value={startEvent} onChange={(event) => setStartEvent(event as WorkflowStartEvent)}>
          <option value="COMPONENT">Component (started from outside with a token)</option>
          <option value="STANDARD">Standard (no token)</option>
        </SelectField>
        <TextField
          label="Request schema (JSON Schema, optional)"
          wide
          rows={3}
          value={schema}
          onChange={setSchema}
          placeholder='{"type":"object","properties":{"orderId":{"type":"string"}}}'
        />
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Workflow tokens"
        columns={['Workflow', 'Status', 'Expires', 'Created by', 'Last used', 'Actions']}
        empty={list.data?.workflowTokens.totalCount === 0 && 'No component workflows yet.'}
        more={list.more}
      >
        {list.data?.workflowTokens.edges.map(({ node }) => {
          const label = node.workflow?.name ?? node.name;
          return (
            <tr key={node.id} data-token-id={node.id}>
              <NameCell name={label} detail={<code>{node.start}…</code>} />
              <td>
                <StatusBadge status={node.status} />
              </td>
              <td>{when(node.expiresAt)}</td>
              <td>{node.createdBy?.name ?? '—'}</td>
              <td>{when(node.lastUsedAt)}</td>
              <td className="actions">
                <RowAction verb="API endpoints" phrase="API endpoints of" of={label} onClick={() => setEndpointsOf({ id: node.workflowId, name: label })} />
                <RowAction verb="Refresh" of={label} onClick={() => act('refresh', node.workflowId, label)} />
                <RowAction verb="Regenerate" of={label} onClick={() => act('regenerate', node.workflowId, label)} />
                {node.status !== 'REVOKED' && <RowAction verb="Revoke" of={label} danger onClick={() => act('revoke', node.workflowId, label)} />}
                <RowAction verb="Delete" of={label} danger onClick={() => act('delete', node.workflowId, label)} />
              </td>
            </tr>
          );
        })}
      </DataTable>
      {secret && (
        <SecretDialog
          title={secret.title}
          secret={secret.value}
          success={secret.success}
          onClose={() => setSecret(null)}
          extra={secret.note && <p>{secret.note}</p>}
        />
      )}
      {endpointsOf && (
        <ApiEndpointsDialog
          workflowId={endpointsOf.id}
          name={endpointsOf.name}
          onClose={() => setEndpointsOf(null)}
          onAction={(kind) => act(kind, endpointsOf.id, endpointsOf.name)}
        />
      )}
      {confirmDialog}
    </section>
  );
}

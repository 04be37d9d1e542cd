import { useEffect, useState } from 'react';
import { gql } from '../api';
import { confirmedChange, ErrorLine, FormCard, FormDialog, SecretDialog, TextField, useAction, useConfirm, when } from '../components';
import {
  ConsoleCreateWebhookEndpointDocument,
  ConsoleDeleteWebhookEndpointDocument,
  ConsoleRedeliverWebhookDocument,
  ConsoleRotateWebhookSecretDocument,
  ConsoleUpdateWebhookEndpointDocument,
  ConsoleWebhookDeliveriesDocument,
  ConsoleWebhookEndpointsDocument,
  type ConsoleWebhookEndpointFragment,
  type TokenEventType,
  type TokenKind,
} from '../generated/graphql';
import { useLiveQuery } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

type Endpoint = ConsoleWebhookEndpointFragment;
const TYPES: TokenEventType[] = [
  'CREATED',
  'EXPIRING_SOON',
  'EXPIRED',
  'REVOKED',
  'REGENERATED',
  'REFRESHED',
  'DELETED',
  'DISABLED',
  'ENABLED',
  'ASSIGNED',
  'UNASSIGNED',
  'REFRESH_FAILED',
  'RECOVERED',
];
/** Deliveries follow every token event: listen to all kinds. */
const ALL_KINDS: TokenKind[] = ['PERSONAL_ACCESS', 'WORKFLOW', 'APP_SECRET', 'APP_ACCESS', 'ENDPOINT_PRIMARY', 'ENDPOINT_SECONDARY', 'OAUTH'];

/** The event types as checkboxes; none ticked means every type. */
function TypePicker(props: { value: TokenEventType[]; onChange(value: TokenEventType[]): void }) {
  return (
    <fieldset className="wide scopes">
      <legend>Event types (none ticked: every type)</legend>
      {TYPES.map((type) => (
        <label key={type} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(type)}
            onChange={() => props.onChange(props.value.includes(type) ? props.value.filter((t) => t !== type) : [...props.value, type])}
          />
          {type.toLowerCase().replace('_', ' ')}
        </label>
      ))}
    </fieldset>
  );
}

function TypesDialog(props: { endpoint: Endpoint; onClose(changed: boolean): void }) {
  const [types, setTypes] = useState<TokenEventType[]>(props.endpoint.eventTypes);
  const [error, , submit] = useAction();
  const save = submit(async () => {
    await gql(ConsoleUpdateWebhookEndpointDocument, { id: props.endpoint.id, input: { eventTypes: types } });
    props.onClose(true);
  });
  return (
    <FormDialog
      title={`Event types of ${props.endpoint.url}`}
      label="Event types"
      submit="Save"
      onSubmit={save}
      onCancel={() => props.onClose(false)}
      error={error}
    >
      <TypePicker value={types} onChange={setTypes} />
    </FormDialog>
  );
}

/** One endpoint's deliveries, newest first, live, each with Redeliver. */
function Deliveries(props: { endpoint: Endpoint }) {
  const list = useLiveQuery(ConsoleWebhookDeliveriesDocument, { endpointId: props.endpoint.id }, ALL_KINDS, (data) => data.webhookDeliveries);
  const [error, run] = useAction();
  const { refetch } = list;
  // Attempts happen after their events, and retries later still: look again while any is pending.
  const pending = list.data?.webhookDeliveries.edges.some(({ node }) => node.status === 'PENDING');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(refetch, 3_000);
    return () => clearInterval(timer);
  }, [pending, refetch]);
  return (
    <section className="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries to {props.endpoint.url}</h2>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Deliveries"
        columns={['Event', 'Status', 'Attempts', 'Last response', 'Next attempt', 'Created', 'Actions']}
        empty={list.data?.webhookDeliveries.totalCount === 0 && 'No deliveries yet: they follow the next events.'}
        more={list.more}
      >
        {list.data?.webhookDeliveries.edges.map(({ node }) => (
          <tr key={node.id} data-delivery-id={node.id} data-delivery-status={node.status}>
            <NameCell name={node.eventType.toLowerCase().replace('_', ' ')} detail={`event ${node.eventId}`} />
            <td>{node.status === 'SUCCEEDED' ? 'Delivered' : node.status === 'FAILED' ? 'Failed' : 'Pending'}</td>
            <td>{node.attempts}</td>
            <td>
              {node.lastStatusCode ?? '—'} {node.lastError && <div className="small error">{node.lastError}</div>}
              {node.lastResponse && <div className="small muted">{node.lastResponse}</div>}
            </td>
            <td>{when(node.nextAttemptAt)}</td>
            <td>{when(node.createdAt)}</td>
            <td className="actions">
              <RowAction
                verb="Redeliver"
                phrase="Redeliver event"
                of={node.eventId}
                onClick={() =>
                  void run(async () => {
                    await gql(ConsoleRedeliverWebhookDocument, { deliveryId: node.id });
                    refetch();
                  })
                }
              />
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

/**
 * Webhooks (administrators): endpoints that receive token events signed per Standard Webhooks —
 * add (the secret shown once), event types, enable/disable, rotate the secret, delete — and each
 * endpoint's deliveries with their status, attempts and last answer, and Redeliver.
 */
export function Webhooks() {
  const list = useLiveQuery(ConsoleWebhookEndpointsDocument, {}, [], (data) => data.webhookEndpoints);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<TokenEventType[]>([]);
  const [secret, setSecret] = useState<{ title: string; value: string; success: string } | null>(null);
  const [editing, setEditing] = useState<Endpoint | null>(null);
  const [watching, setWatching] = useState<Endpoint | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const add = submit(async () => {
    const made = await gql(ConsoleCreateWebhookEndpointDocument, { input: { url, description: description || null, eventTypes: types } });
    setSecret({
      title: `Webhook endpoint ${made.createWebhookEndpoint.webhookEndpoint.url} added`,
      value: made.createWebhookEndpoint.secret,
      success: 'Added',
    });
    setUrl('');
    setDescription('');
    setTypes([]);
    list.refetch();
  });
  const change = confirmedChange(run, confirm, list.refetch);
  const rotate = (endpoint: Endpoint) =>
    void run(async () => {
      const ok = await confirm({
        title: `Rotate the secret of ${endpoint.url}?`,
        consequence:
          'A new secret signs every delivery from now; the current one also signs for 24 hours, so the receiver can switch without losing a delivery.',
        confirmLabel: 'Rotate',
      });
      if (!ok) return;
      const rotated = await gql(ConsoleRotateWebhookSecretDocument, { id: endpoint.id });
      setSecret({ title: `New secret of ${endpoint.url}`, value: rotated.rotateWebhookSecret.secret, success: 'Rotated' });
      list.refetch();
    });

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="lead">Token events POSTed to your receivers, signed per Standard Webhooks, retried for about a day until they answer 2xx.</p>
      <FormCard label="New webhook endpoint" title="Add an endpoint" submit="Add endpoint" onSubmit={add}>
        <TextField label="URL" type="url" required maxLength={2000} value={url} onChange={setUrl} placeholder="https://hooks.example.com/tessera" />
        <TextField label="Description" maxLength={1000} value={description} onChange={setDescription} />
        <TypePicker value={types} onChange={setTypes} />
      </FormCard>
      <ErrorLine error={error ?? list.error} />
      <DataTable
        label="Webhook endpoints"
        columns={['Endpoint', 'Event types', 'Status', 'Actions']}
        empty={list.data?.webhookEndpoints.totalCount === 0 && 'No endpoints yet.'}
        more={list.more}
      >
        {list.data?.webhookEndpoints.edges.map(({ node }) => (
          <tr key={node.id} data-endpoint-id={node.id}>
            <NameCell name={node.url} detail={node.description ?? undefined} />
            <td>{node.eventTypes.length ? node.eventTypes.join(', ').toLowerCase() : 'every type'}</td>
            <td data-enabled={node.enabled}>
              {node.enabled ? 'Enabled' : node.disabledReason === 'FAILING' ? 'Disabled: every delivery failed too long' : 'Disabled'}
              {node.failingSince && node.enabled && <div className="small warn">failing since {when(node.failingSince)}</div>}
            </td>
            <td className="actions">
              <RowAction verb="Deliveries" phrase="Deliveries to" of={node.url} onClick={() => setWatching(node)} />
              <RowAction verb="Event types" phrase="Event types of" of={node.url} onClick={() => setEditing(node)} />
              {node.enabled ? (
                <RowAction
                  verb="Disable"
                  of={node.url}
                  danger
                  onClick={() =>
                    change(
                      { title: `Disable ${node.url}?`, consequence: 'Nothing more is sent to it until it is enabled again.', confirmLabel: 'Disable' },
                      () => gql(ConsoleUpdateWebhookEndpointDocument, { id: node.id, input: { enabled: false } }),
                    )
                  }
                />
              ) : (
                <RowAction
                  verb="Enable"
                  of={node.url}
                  onClick={() => change(null, () => gql(ConsoleUpdateWebhookEndpointDocument, { id: node.id, input: { enabled: true } }))}
                />
              )}
              <RowAction verb="Rotate secret" phrase="Rotate the secret of" of={node.url} onClick={() => rotate(node)} />
              <RowAction
                verb="Delete"
                of={node.url}
                danger
                onClick={() =>
                  change(
                    {
                      title: `Delete ${node.url}?`,
                      consequence: 'It and its delivery history are removed; nothing more is sent to it.',
                      confirmLabel: 'Delete',
                    },
                    () => gql(ConsoleDeleteWebhookEndpointDocument, { id: node.id }),
                  )
                }
              />
            </td>
          </tr>
        ))}
      </DataTable>
      {watching && <Deliveries key={watching.id} endpoint={watching} />}
      {editing && (
        <TypesDialog
          endpoint={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) list.refetch();
          }}
        />
      )}
      {secret && (
        <SecretDialog
          title={secret.title}
          secret={secret.value}
          success={secret.success}
          warning="Copy the signing secret now: the receiver verifies every delivery with it, and it will not be shown again."
          onClose={() => setSecret(null)}
        />
      )}
      {confirmDialog}
    </section>
  );
}

import { useState } from 'react';
import { ApiError, gql } from '../../api';
import { ErrorLine, FormCard, FormDialog, SelectField, TextField, useAction, useConfirm } from '../../components';
import {
  ConsoleCreateOAuthProviderDocument,
  ConsoleDeleteOAuthProviderDocument,
  ConsoleUpdateOAuthProviderDocument,
  type PrivateKeyJwtInput,
  type UpdateOAuthProviderInput,
} from '../../generated/graphql';
import { type More } from '../../live';
import { DataTable, NameCell, RowAction } from '../../table';

import { Provider, Token, FLOWS, FLOW_ORDER, ALGORITHMS, Outcome, OutcomeLine } from './shared';

export interface ProviderDraft {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  /** `secret`, `key` (a new private key) or, when editing, `keep`. */
  auth: 'secret' | 'key' | 'keep';
  keyPem: string;
  keyId: string;
  algorithm: string;
}

export const EMPTY_PROVIDER: ProviderDraft = {
  name: '',
  authorizeUrl: '',
  tokenUrl: '',
  revocationUrl: '',
  clientId: '',
  clientSecret: '',
  auth: 'secret',
  keyPem: '',
  keyId: '',
  algorithm: 'RS256',
};

export function privateKeyOf(draft: ProviderDraft): PrivateKeyJwtInput | null {
  return draft.auth === 'key' ? { privateKeyPem: draft.keyPem, keyId: draft.keyId, algorithm: draft.algorithm } : null;
}

/** The provider fields, shared by the add form and the edit dialog. */
export function ProviderFields(props: { draft: ProviderDraft; set(draft: ProviderDraft): void; editing?: Provider }) {
  const { draft, set, editing } = props;
  const field = (key: keyof ProviderDraft) => ({ value: draft[key], onChange: (value: string) => set({ ...draft, [key]: value }) });
  return (
    <>
      <TextField label="Provider name" required maxLength={100} {...field('name')} />
      <TextField label="Authorization URL" type="url" required maxLength={2000} placeholder="https://provider.example/authorize" {...field('authorizeUrl')} />
      <TextField label="Token URL" type="url" required maxLength={2000} placeholder="https://provider.example/token" {...field('tokenUrl')} />
      <TextField label="Revocation URL (optional)" type="url" maxLength={2000} placeholder="https://provider.example/revoke" {...field('revocationUrl')} />
      <TextField label="Client ID" required maxLength={500} autoComplete="off" {...field('clientId')} />
      <TextField
        label={editing ? 'New client secret (empty keeps it)' : 'Client secret'}
        type="password"
        required={!editing}
        maxLength={2000}
        autoComplete="new-password"
        {...field('clientSecret')}
      />
      <SelectField label="Client authentication" value={draft.auth} onChange={(auth) => set({ ...draft, auth: auth as ProviderDraft['auth'] })}>
        {editing && <option value="keep">Keep as is ({editing.privateKeyJwt ? `private key ${editing.privateKeyJwt.keyId}` : 'client secret'})</option>}
        <option value="secret">Client secret</option>
        <option value="key">Signed assertion with a private key (private_key_jwt)</option>
      </SelectField>
      {draft.auth === 'key' && (
        <>
          <p className="muted small">
            With a private key the provider allows only the client-credentials flow. The key is stored encrypted and never shown again.
          </p>
          <TextField label="Private key (PEM)" wide required rows={4} placeholder="-----BEGIN PRIVATE KEY-----" {...field('keyPem')} />
          <TextField label="Key ID (kid)" required maxLength={200} {...field('keyId')} />
          <SelectField label="Algorithm" value={draft.algorithm} onChange={(algorithm) => set({ ...draft, algorithm })}>
            {ALGORITHMS.map((algorithm) => (
              <option key={algorithm}>{algorithm}</option>
            ))}
          </SelectField>
        </>
      )}
    </>
  );
}

export function EditProviderDialog(props: { provider: Provider; onClose(changed: boolean): void }) {
  const p = props.provider;
  const [draft, setDraft] = useState<ProviderDraft>({
    ...EMPTY_PROVIDER,
    name: p.name,
    authorizeUrl: p.authorizeUrl,
    tokenUrl: p.tokenUrl,
    revocationUrl: p.revocationUrl ?? '',
    clientId: p.defaultConsumerKey,
    auth: 'keep',
  });
  const [error, , submit] = useAction();
  const save = submit(async () => {
    // Only what changed: absent fields stay as they are.
    const input: UpdateOAuthProviderInput = {};
    if (draft.name !== p.name) input.name = draft.name;
    if (draft.authorizeUrl !== p.authorizeUrl) input.authorizeUrl = draft.authorizeUrl;
    if (draft.tokenUrl !== p.tokenUrl) input.tokenUrl = draft.tokenUrl;
    if (draft.revocationUrl !== (p.revocationUrl ?? '')) input.revocationUrl = draft.revocationUrl;
    if (draft.clientId !== p.defaultConsumerKey) input.defaultConsumerKey = draft.clientId;
    if (draft.clientSecret) input.defaultConsumerSecret = draft.clientSecret;
    if (draft.auth === 'key') input.privateKeyJwt = privateKeyOf(draft);
    if (draft.auth === 'secret' && p.privateKeyJwt) input.removePrivateKey = true;
    await gql(ConsoleUpdateOAuthProviderDocument, { id: p.id, input });
    props.onClose(true);
  });
  return (
    <FormDialog
      title={`Edit provider “${p.name}”`}
      label={`Edit provider ${p.name}`}
      submit="Save"
      onSubmit={save}
      onCancel={() => props.onClose(false)}
      error={error}
    >
      <ProviderFields draft={draft} set={setDraft} editing={p} />
    </FormDialog>
  );
}

export function Providers(props: { providers: Provider[] | null; tokens: Token[]; loaded: boolean; more: More; refetch(): void }) {
  const [draft, setDraft] = useState<ProviderDraft>(EMPTY_PROVIDER);
  const [editing, setEditing] = useState<Provider | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, run, submit] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const add = submit(async () => {
    setOutcome(null);
    const input = {
      name: draft.name,
      authorizeUrl: draft.authorizeUrl,
      tokenUrl: draft.tokenUrl,
      revocationUrl: draft.revocationUrl || null,
      defaultConsumerKey: draft.clientId,
      defaultConsumerSecret: draft.clientSecret,
      privateKeyJwt: privateKeyOf(draft),
    };
    const created = (await gql(ConsoleCreateOAuthProviderDocument, { input })).createOAuthProvider;
    setOutcome({
      tone: 'ok',
      text: `Provider “${created.name}” added. Its client secret${created.privateKeyJwt ? ' and private key are' : ' is'} stored encrypted and never shown again.`,
    });
    setDraft(EMPTY_PROVIDER);
    props.refetch();
  });

  const remove = (provider: Provider) =>
    void run(async () => {
      setOutcome(null);
      const ok = await confirm({
        title: `Delete provider “${provider.name}”?`,
        consequence:
          'Its client ID, secret and private key are deleted: no token can be requested from it any more. Tessera refuses while tokens still use it.',
        confirmLabel: 'Delete provider',
      });
      if (!ok) return;
      try {
        await gql(ConsoleDeleteOAuthProviderDocument, { id: provider.id });
      } catch (caught) {
        if (!(caught instanceof ApiError) || caught.code !== 'CONFLICT') throw caught;
        const users = props.tokens.filter((token) => token.providerId === provider.id).map((token) => `“${token.name}”`);
        throw new Error(
          users.length
            ? `“${provider.name}” was not deleted: ${users.length} token(s) still use it (${users.join(', ')}). Delete those tokens first.`
            : `“${provider.name}” was not deleted: ${caught.message}`,
        );
      }
      setOutcome({ tone: 'ok', text: `Provider “${provider.name}” deleted.` });
      props.refetch();
    });

  return (
    <section aria-labelledby="oauth-providers-title" className="stack-section">
      <h2 id="oauth-providers-title">Providers</h2>
      <p className="lead">The authorization servers Tessera requests tokens from. Secrets and private keys are stored encrypted and never shown again.</p>
      <DataTable
        label="OAuth providers"
        columns={['Provider', 'Client ID', 'Allowed flows', 'Actions']}
        empty={props.loaded && props.providers?.length === 0 && 'No providers yet: add one to request tokens from it.'}
        more={props.more}
      >
        {props.providers?.map((provider) => (
          <tr key={provider.id} data-provider-id={provider.id}>
            <NameCell name={provider.name}>
              <div className="muted small url">{provider.tokenUrl}</div>
            </NameCell>
            <td>
              <code>{provider.defaultConsumerKey}</code>
              <div className="muted small">
                {provider.privateKeyJwt ? `private_key_jwt (${provider.privateKeyJwt.algorithm}, kid ${provider.privateKeyJwt.keyId})` : 'client secret'}
              </div>
            </td>
            <td className="small">
              {FLOW_ORDER.filter((flow) => provider.allowedFlows.includes(flow))
                .map((flow) => FLOWS[flow].label)
                .join(', ')}
            </td>
            <td className="actions">
              <RowAction verb="Edit" phrase="Edit provider" of={provider.name} onClick={() => setEditing(provider)} />
              <RowAction verb="Delete" phrase="Delete provider" of={provider.name} danger onClick={() => remove(provider)} />
            </td>
          </tr>
        ))}
      </DataTable>
      <ErrorLine error={error} />
      <OutcomeLine outcome={outcome} />
      <FormCard label="Add an OAuth provider" title="Add a provider" heading="h3" submit="Add provider" onSubmit={add}>
        <ProviderFields draft={draft} set={setDraft} />
      </FormCard>
      {editing && (
        <EditProviderDialog
          provider={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) {
              setOutcome({ tone: 'ok', text: `Provider “${editing.name}” saved.` });
              props.refetch();
            }
          }}
        />
      )}
      {confirmDialog}
    </section>
  );
}

// ---- tokens ----

/**
 * The access token's lifetime. Outbound OAuth tokens read ACTIVE until they expire (the API
 * applies no warning window to tokens that renew themselves); one Tessera will renew on its own,
 * with no failed refresh, says so.
 */

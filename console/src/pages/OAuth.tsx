import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError, gql } from '../api';
import {
  CopyField,
  Dialog,
  ErrorLine,
  FormCard,
  FormDialog,
  RequestStatusBadge,
  SecretDialog,
  SelectField,
  StatusBadge,
  TextField,
  useAction,
  useConfirm,
  when,
} from '../components';
import {
  ConsoleCreateOAuthProviderDocument,
  ConsoleCreateOAuthTokenDocument,
  ConsoleDeleteOAuthProviderDocument,
  ConsoleDeleteOAuthTokenDocument,
  ConsoleExportOAuthBundleDocument,
  ConsoleImportOAuthBundleDocument,
  ConsoleOAuthProvidersDocument,
  ConsoleOAuthTokensDocument,
  ConsoleRefreshOAuthTokenDocument,
  ConsoleRenameOAuthTokenDocument,
  ConsoleResetClientCredentialsTokenDocument,
  ConsoleRetryOAuthTokenDocument,
  ConsoleStartTokenRequestDocument,
  ConsoleUpdateOAuthProviderDocument,
  type AdditionalValueInput,
  type ConsoleImportOAuthBundleMutation,
  type ConsoleOAuthProviderFragment,
  type ConsoleOAuthTokenFragment,
  type ImportConflict,
  type OAuthFlow,
  type PrivateKeyJwtInput,
  type UpdateOAuthProviderInput,
} from '../generated/graphql';
import { useLiveQuery, type More } from '../live';
import { DataTable, NameCell, RowAction } from '../table';

type Provider = ConsoleOAuthProviderFragment;
type Token = ConsoleOAuthTokenFragment;

const FLOWS: Record<OAuthFlow, { label: string; hint: string }> = {
  CLIENT_CREDENTIALS: {
    label: 'Client credentials',
    hint: 'Tessera authenticates as the client (secret or private key): no person involved. The token is requested at once.',
  },
  AUTHORIZATION_CODE: {
    label: 'Authorization code (browser)',
    hint: 'A person approves at the provider: you get an approval link to open. The provider returns to Tessera at /oauth/callback.',
  },
  OIDC_HYBRID: {
    label: 'OpenID Connect (browser)',
    hint: 'Like authorization code, with the openid scope added and the ID token checked: you get an approval link to open.',
  },
  PASSWORD: { label: 'Password (resource owner)', hint: 'Tessera keeps the username and password (encrypted) and requests the token with them, at once.' },
};
const FLOW_ORDER: OAuthFlow[] = ['CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'OIDC_HYBRID', 'PASSWORD'];
const BROWSER_FLOWS: OAuthFlow[] = ['AUTHORIZATION_CODE', 'OIDC_HYBRID'];
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
const CONFLICTS: { value: ImportConflict; label: string }[] = [
  { value: 'SKIP', label: 'Skip it (keep what is here)' },
  { value: 'RENAME', label: 'Import it under a new name' },
  { value: 'REPLACE', label: 'Replace what is here' },
];
const OUTCOMES: Record<string, string> = {
  CREATED: 'Created',
  RENAMED: 'Renamed',
  REPLACED: 'Replaced',
  SKIPPED: 'Skipped: the name is taken',
  INVALID: 'Not imported',
};

/** `name=value` lines into additional values; a line without `=` is an input error. */
function parseAdditionalValues(text: string): AdditionalValueInput[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf('=');
      if (at < 1) throw new Error(`Additional values: “${line}” is not name=value.`);
      return { name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
    });
}

/** What happened after an action, read out by screen readers. */
interface Outcome {
  tone: 'ok' | 'error';
  text: string;
  warning?: string | null;
}

function OutcomeLine(props: { outcome: Outcome | null }) {
  if (!props.outcome) return null;
  return (
    <div role="status" className="stack outcome">
      <p className={props.outcome.tone === 'ok' ? 'ok' : 'error-line'}>
        <span aria-hidden="true">{props.outcome.tone === 'ok' ? '✔ ' : '✖ '}</span>
        {props.outcome.text}
      </p>
      {props.outcome.warning && <p className="warning small">{props.outcome.warning}</p>}
    </div>
  );
}

/** What a request did to a token: active with a new access token, or the provider's error. */
function outcomeOf(token: Token, done: string, warning?: string | null): Outcome {
  if (token.providerError) return { tone: 'error', text: `The provider did not give “${token.name}” a token: ${token.providerError}`, warning };
  return { tone: 'ok', text: `“${token.name}” ${done}: Tessera holds a new access token${token.expiresAt ? ` until ${when(token.expiresAt)}` : ''}.`, warning };
}

/** The link a person opens to approve a browser-flow token. */
function ApprovalDialog(props: { name: string; url: string; warning?: string | null; onClose(): void }) {
  return (
    <Dialog title={`Approve “${props.name}” at the provider`} onClose={props.onClose}>
      <p>Open this link and approve: the provider sends you back to Tessera, and the token turns active here. The link works once.</p>
      <p>
        <a className="button" href={props.url} target="_blank" rel="noopener noreferrer">
          Open the approval page
        </a>
      </p>
      <CopyField label="Approval link" value={props.url} />
      {props.warning && <p className="warning small">{props.warning}</p>}
    </Dialog>
  );
}

// ---- providers ----

interface ProviderDraft {
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

const EMPTY_PROVIDER: ProviderDraft = {
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

function privateKeyOf(draft: ProviderDraft): PrivateKeyJwtInput | null {
  return draft.auth === 'key' ? { privateKeyPem: draft.keyPem, keyId: draft.keyId, algorithm: draft.algorithm } : null;
}

/** The provider fields, shared by the add form and the edit dialog. */
function ProviderFields(props: { draft: ProviderDraft; set(draft: ProviderDraft): void; editing?: Provider }) {
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

function EditProviderDialog(props: { provider: Provider; onClose(changed: boolean): void }) {
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

function Providers(props: { providers: Provider[] | null; tokens: Token[]; loaded: boolean; more: More; refetch(): void }) {
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
function LifetimeBadge(props: { token: Token }) {
  const { status, nextRefreshAt, refreshFailures } = props.token;
  if (status === 'ACTIVE' && nextRefreshAt && refreshFailures === 0) {
    return (
      <span className="status ok" data-status={status} title="Tessera refreshes it on its own before it expires">
        <span className="icon" aria-hidden="true">
          ↻
        </span>{' '}
        Renewed automatically
      </span>
    );
  }
  return <StatusBadge status={status} />;
}

function RenameDialog(props: { token: Token; onClose(renamed: Token | null): void }) {
  const [name, setName] = useState(props.token.name);
  const [error, , submit] = useAction();
  const rename = submit(async () => props.onClose((await gql(ConsoleRenameOAuthTokenDocument, { id: props.token.id, name: name.trim() })).renameOAuthToken));
  return (
    <FormDialog
      title={`Rename “${props.token.name}”`}
      label={`Rename ${props.token.name}`}
      submit="Rename"
      onSubmit={rename}
      onCancel={() => props.onClose(null)}
      error={error}
      note={<p className="muted small">Flows find it by its id: renaming breaks nothing.</p>}
    >
      <TextField label="New name" wide required maxLength={100} autoFocus value={name} onChange={setName} />
    </FormDialog>
  );
}

/** Reset: revoke at the provider, then a new token, optionally with a new scope. */
function ResetDialog(props: { token: Token; revokes: boolean; onClose(reset: Token | null): void }) {
  const [scope, setScope] = useState(props.token.scope ?? '');
  const [error, , submit] = useAction();
  const reset = submit(async () =>
    props.onClose((await gql(ConsoleResetClientCredentialsTokenDocument, { id: props.token.id, scope: scope.trim() })).resetClientCredentialsToken),
  );
  return (
    <FormDialog
      title={`Reset “${props.token.name}”?`}
      label={`Reset ${props.token.name}`}
      submit="Reset"
      danger
      onSubmit={reset}
      onCancel={() => props.onClose(null)}
      error={error}
      intro={
        <p>
          {props.revokes
            ? 'Tessera revokes the current access token at the provider, then requests a new one: anything still holding the old value fails at once; flows that read the token from Tessera get the new one.'
            : 'The provider has no revocation URL: the current access token keeps working at the provider until it expires, while Tessera requests and hands out a new one.'}
        </p>
      }
    >
      <TextField label="Scope (space-separated; empty for none)" wide value={scope} onChange={setScope} />
    </FormDialog>
  );
}

function NewTokenForm(props: { providers: Provider[]; onCreated(token: Token, authorizationUrl: string | null, warning: string | null): void }) {
  const [name, setName] = useState('');
  const [providerId, setProviderId] = useState('');
  const [flow, setFlow] = useState<OAuthFlow>('CLIENT_CREDENTIALS');
  const [scope, setScope] = useState('');
  const [resource, setResource] = useState('');
  const [useDefaultKeys, setUseDefaultKeys] = useState(true);
  const [consumerKey, setConsumerKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [extra, setExtra] = useState('');
  const [error, , submit] = useAction();
  const hintId = useId();

  const provider = props.providers.find((p) => p.id === providerId) ?? props.providers[0];
  const allowed = FLOW_ORDER.filter((f) => provider?.allowedFlows.includes(f));
  const chosenFlow = allowed.includes(flow) ? flow : (allowed[0] ?? flow);
  // A provider with a private key signs for every token: own keys do not apply.
  const ownKeysPossible = !provider?.privateKeyJwt;
  useEffect(() => {
    if (chosenFlow !== flow) setFlow(chosenFlow);
  }, [chosenFlow, flow]);

  const create = submit(async () => {
    if (!provider) return;
    const ownKeys = ownKeysPossible && !useDefaultKeys;
    const input = {
      name: name.trim(),
      providerId: provider.id,
      flow: chosenFlow,
      scope: scope.trim() || null,
      resource: resource.trim() || null,
      additionalValues: parseAdditionalValues(extra),
      useDefaultKeys: !ownKeys,
      consumerKey: ownKeys ? consumerKey : null,
      secretKey: ownKeys ? secretKey : null,
      username: chosenFlow === 'PASSWORD' ? username : null,
      password: chosenFlow === 'PASSWORD' ? password : null,
    };
    const result = (await gql(ConsoleCreateOAuthTokenDocument, { input })).createOAuthToken;
    props.onCreated(result.token, result.authorizationUrl, result.warning);
    // Provider and flow stay, for the next token of the same kind; nothing secret stays in the form.
    for (const clear of [setName, setScope, setResource, setExtra, setUsername, setPassword, setConsumerKey, setSecretKey]) clear('');
  });

  if (props.providers.length === 0) return <p className="card muted">Add a provider first: tokens are requested from a provider.</p>;
  return (
    <FormCard
      label="New OAuth token"
      title="New token"
      heading="h3"
      submit={BROWSER_FLOWS.includes(chosenFlow) ? 'Create and get the approval link' : 'Create and request token'}
      onSubmit={create}
      error={error}
    >
      <TextField label="Token name" required maxLength={100} value={name} onChange={setName} />
      <SelectField label="Provider" value={provider?.id ?? ''} onChange={setProviderId}>
        {props.providers.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </SelectField>
      <SelectField label="Flow" value={chosenFlow} onChange={(f) => setFlow(f as OAuthFlow)} describedBy={hintId}>
        {allowed.map((f) => (
          <option key={f} value={f}>
            {FLOWS[f].label}
          </option>
        ))}
      </SelectField>
      <p id={hintId} className="muted small">
        {FLOWS[chosenFlow].hint}
      </p>
      {chosenFlow === 'PASSWORD' && (
        <>
          <TextField label="Username" required autoComplete="off" value={username} onChange={setUsername} />
          <TextField label="Password" type="password" required autoComplete="new-password" value={password} onChange={setPassword} />
        </>
      )}
      <TextField
        label="Scope"
        value={scope}
        onChange={setScope}
        placeholder={chosenFlow === 'OIDC_HYBRID' ? 'profile email (openid is added)' : 'read write'}
      />
      <TextField label="Resource (optional)" type="url" value={resource} onChange={setResource} placeholder="https://api.example/" />
      <TextField label="Additional values (one name=value per line, optional)" wide rows={2} value={extra} onChange={setExtra} placeholder="audience=crm" />
      {ownKeysPossible && (
        <label className="check wide">
          <input type="checkbox" checked={useDefaultKeys} onChange={(e) => setUseDefaultKeys(e.target.checked)} /> Use the provider's client ID and secret
        </label>
      )}
      {ownKeysPossible && !useDefaultKeys && (
        <>
          <TextField label="Own client ID" required autoComplete="off" value={consumerKey} onChange={setConsumerKey} />
          <TextField label="Own client secret" type="password" required autoComplete="new-password" value={secretKey} onChange={setSecretKey} />
        </>
      )}
    </FormCard>
  );
}

function Tokens(props: { tokens: Token[] | null; providers: Provider[] | null; loaded: boolean; more: More; refetch(): void }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [approval, setApproval] = useState<{ name: string; url: string; warning?: string | null } | null>(null);
  const [renaming, setRenaming] = useState<Token | null>(null);
  const [resetting, setResetting] = useState<Token | null>(null);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();
  const providerOf = (token: Token) => props.providers?.find((p) => p.id === token.providerId);

  const created = (token: Token, authorizationUrl: string | null, warning: string | null) => {
    if (authorizationUrl) {
      setOutcome({ tone: 'ok', text: `“${token.name}” created: it waits for approval at the provider.` });
      setApproval({ name: token.name, url: authorizationUrl, warning });
    } else {
      setOutcome(
        token.requestStatus === 'FAILED'
          ? {
              tone: 'error',
              text: `“${token.name}” was created but the provider refused it: ${token.providerError ?? 'no reason given'}. Fix the provider or the token, then Retry.`,
              warning,
            }
          : outcomeOf(token, 'is active', warning),
      );
    }
    props.refetch();
  };

  const act = (kind: 'request' | 'retry' | 'refresh' | 'delete', token: Token) =>
    void run(async () => {
      setOutcome(null);
      if (kind === 'request') {
        const result = (await gql(ConsoleStartTokenRequestDocument, { id: token.id })).startTokenRequest;
        setApproval({ name: token.name, url: result.authorizationUrl, warning: result.warning });
      } else if (kind === 'retry') {
        setOutcome(outcomeOf((await gql(ConsoleRetryOAuthTokenDocument, { id: token.id })).retryOAuthTokenRequest, 'was requested again'));
      } else if (kind === 'refresh') {
        setOutcome(outcomeOf((await gql(ConsoleRefreshOAuthTokenDocument, { id: token.id })).refreshOAuthToken, 'was refreshed'));
      } else {
        const revocable = Boolean(providerOf(token)?.revocationUrl);
        const ok = await confirm({
          title: `Delete “${token.name}”?`,
          consequence: revocable
            ? 'Tessera first revokes its refresh and access tokens at the provider, then forgets them: flows using it will fail when they ask for its access token.'
            : 'Tessera forgets its access and refresh tokens at once: flows using it will fail when they ask for its access token. Its provider has no revocation URL, so the grant stays valid there until it expires.',
          confirmLabel: 'Delete',
        });
        if (!ok) return;
        try {
          await gql(ConsoleDeleteOAuthTokenDocument, { id: token.id });
          setOutcome({ tone: 'ok', text: revocable ? `“${token.name}” revoked at the provider and deleted.` : `“${token.name}” deleted.` });
        } catch (caught) {
          if (!(caught instanceof ApiError && caught.reason === 'REVOCATION_REFUSED')) throw caught;
          // Nothing was deleted: the provider refused or did not answer. Deleting anyway is the user's call.
          const anyway = await confirm({
            title: `The provider did not revoke “${token.name}”`,
            consequence: `${caught.message} Delete it anyway? Tessera then forgets it without revoking it, and the grant may stay valid at the provider.`,
            confirmLabel: 'Delete without revoking',
          });
          if (!anyway) return;
          await gql(ConsoleDeleteOAuthTokenDocument, { id: token.id, revokeAtProvider: false });
          setOutcome({ tone: 'ok', text: `“${token.name}” deleted; it was not revoked at the provider.` });
        }
      }
      props.refetch();
    });

  return (
    <section aria-labelledby="oauth-tokens-title" className="stack-section">
      <h2 id="oauth-tokens-title">Tokens</h2>
      <p className="lead">
        Tokens Tessera holds for third-party APIs and refreshes on its own before they expire. Their values leave Tessera only through the oauthAccessToken
        query, audited.
      </p>
      {props.providers && <NewTokenForm providers={props.providers} onCreated={created} />}
      <ErrorLine error={error} />
      <OutcomeLine outcome={outcome} />
      <DataTable
        label="OAuth tokens"
        columns={['Token', 'Provider', 'Request', 'Access token', 'Actions']}
        empty={props.loaded && props.tokens?.length === 0 && 'No OAuth tokens yet.'}
        more={props.more}
      >
        {props.tokens?.map((token) => {
          const browser = BROWSER_FLOWS.includes(token.flow);
          const revoked = token.requestStatus === 'REVOKED';
          const canRetry = !browser && (token.requestStatus === 'FAILED' || token.requestStatus === 'EXPIRED');
          const canRefresh = !revoked && !canRetry && (!browser || token.hasRefreshToken);
          return (
            <tr key={token.id} data-token-id={token.id} data-token-name={token.name}>
              <NameCell name={token.name} detail={FLOWS[token.flow].label}>
                {token.scope && <div className="muted small">scope: {token.scope}</div>}
                {token.grantedScope && token.grantedScope !== token.scope && <div className="muted small">granted: {token.grantedScope}</div>}
              </NameCell>
              <td>{providerOf(token)?.name ?? <span className="muted">—</span>}</td>
              <td>
                <RequestStatusBadge status={token.requestStatus} />
                {token.providerError && <div className="error small provider-error">{token.providerError}</div>}
                {token.refreshFailures > 0 && <div className="warn small">{token.refreshFailures} refresh(es) failed in a row</div>}
              </td>
              <td>
                {token.requestStatus === 'ACTIVE' || token.requestStatus === 'EXPIRED' ? (
                  <>
                    <LifetimeBadge token={token} />
                    <div className="small">expires {when(token.expiresAt)}</div>
                    {token.nextRefreshAt && <div className="muted small">Tessera refreshes it {when(token.nextRefreshAt)}</div>}
                    {token.lastRefreshedAt && <div className="muted small">last obtained {when(token.lastRefreshedAt)}</div>}
                  </>
                ) : (
                  <span className="muted">none yet</span>
                )}
              </td>
              <td className="actions">
                {browser && !revoked && <RowAction verb="Request" phrase="Request approval for" of={token.name} onClick={() => act('request', token)} />}
                {canRetry && <RowAction verb="Retry" of={token.name} onClick={() => act('retry', token)} />}
                {canRefresh && <RowAction verb="Refresh" of={token.name} onClick={() => act('refresh', token)} />}
                <RowAction verb="Rename" of={token.name} onClick={() => setRenaming(token)} />
                {token.flow === 'CLIENT_CREDENTIALS' && <RowAction verb="Reset" of={token.name} onClick={() => setResetting(token)} />}
                <RowAction verb="Delete" of={token.name} danger onClick={() => act('delete', token)} />
              </td>
            </tr>
          );
        })}
      </DataTable>
      {approval && <ApprovalDialog name={approval.name} url={approval.url} warning={approval.warning} onClose={() => setApproval(null)} />}
      {renaming && (
        <RenameDialog
          token={renaming}
          onClose={(renamed) => {
            setRenaming(null);
            if (renamed) {
              setOutcome({ tone: 'ok', text: `“${renaming.name}” is now “${renamed.name}”.` });
              props.refetch();
            }
          }}
        />
      )}
      {resetting && (
        <ResetDialog
          token={resetting}
          revokes={Boolean(providerOf(resetting)?.revocationUrl)}
          onClose={(reset) => {
            setResetting(null);
            if (reset) {
              setOutcome(outcomeOf(reset, 'was reset'));
              props.refetch();
            }
          }}
        />
      )}
      {confirmDialog}
    </section>
  );
}

// ---- export / import ----

/** The exported bundle, in the one-time value dialog: each export is a new string. */
function BundleDialog(props: { bundle: string; providerCount: number; tokenCount: number; onClose(): void }) {
  const href = useMemo(() => URL.createObjectURL(new Blob([props.bundle], { type: 'text/plain' })), [props.bundle]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <SecretDialog
      title="Bundle exported"
      secret={props.bundle}
      onClose={props.onClose}
      warning="Copy or download the bundle now, and keep it apart from its passphrase: whoever has both holds every one of these tokens."
      extra={
        <>
          <p>
            {props.providerCount} provider(s) and {props.tokenCount} token(s), encrypted with your passphrase.
          </p>
          <p>
            <a className="button" href={href} download="tessera-oauth-bundle.txt">
              Download the bundle
            </a>
          </p>
        </>
      }
    />
  );
}

type ImportItem = ConsoleImportOAuthBundleMutation['importOAuthBundle']['items'][number];

function Bundles(props: { refetch(): void }) {
  const [exportPassphrase, setExportPassphrase] = useState('');
  const [exported, setExported] = useState<{ bundle: string; providerCount: number; tokenCount: number } | null>(null);
  const [bundle, setBundle] = useState('');
  const [importPassphrase, setImportPassphrase] = useState('');
  const [onConflict, setOnConflict] = useState<ImportConflict>('SKIP');
  const [items, setItems] = useState<ImportItem[] | null>(null);
  const [exportError, , submitExport] = useAction();
  const [importError, , submitImport] = useAction();

  const exportBundle = submitExport(async () => {
    setExported((await gql(ConsoleExportOAuthBundleDocument, { passphrase: exportPassphrase })).exportOAuthBundle);
    setExportPassphrase('');
  });
  const importBundle = submitImport(async () => {
    setItems(null);
    setItems((await gql(ConsoleImportOAuthBundleDocument, { bundle: bundle.trim(), passphrase: importPassphrase, onConflict })).importOAuthBundle.items);
    setBundle('');
    setImportPassphrase('');
    props.refetch();
  });

  return (
    <section aria-labelledby="oauth-bundles-title" className="stack-section">
      <h2 id="oauth-bundles-title">Export and import</h2>
      <p className="lead">
        Every provider and token of the tenant as one string encrypted with a passphrase (scrypt, AES-256-GCM), to move them to another Tessera.
      </p>
      <div className="columns">
        <FormCard label="Export a bundle" title="Export" heading="h3" submit="Export bundle" onSubmit={exportBundle} error={exportError}>
          <TextField
            label="Passphrase (12 characters or more)"
            wide
            type="password"
            required
            minLength={12}
            maxLength={1000}
            autoComplete="new-password"
            value={exportPassphrase}
            onChange={setExportPassphrase}
          />
        </FormCard>
        <FormCard label="Import a bundle" title="Import" heading="h3" submit="Import bundle" onSubmit={importBundle} error={importError}>
          <TextField label="Bundle" wide required rows={3} value={bundle} onChange={setBundle} placeholder="tob1.…" />
          <TextField label="Passphrase" wide type="password" required autoComplete="off" value={importPassphrase} onChange={setImportPassphrase} />
          <SelectField label="When a name is taken" value={onConflict} onChange={(c) => setOnConflict(c as ImportConflict)} wide>
            {CONFLICTS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </SelectField>
        </FormCard>
      </div>
      {items && (
        <p role="status" className="ok">
          <span aria-hidden="true">✔ </span>
          Imported: {items.filter((item) => item.outcome !== 'SKIPPED' && item.outcome !== 'INVALID').length} of {items.length} item(s);{' '}
          {items.filter((item) => item.outcome === 'SKIPPED').length} skipped
          {items.some((item) => item.outcome === 'INVALID') && <>; {items.filter((item) => item.outcome === 'INVALID').length} not imported (see why below)</>}.
        </p>
      )}
      {items && (
        <DataTable
          label="Import results"
          caption="What the import did with each item of the bundle"
          columns={['Item', 'Name in the bundle', 'Imported as', 'Outcome']}
          empty={items.length === 0 && 'The bundle was empty.'}
        >
          {items.map((item, index) => (
            <tr key={`${item.type}-${item.name}-${index}`} data-outcome={item.outcome}>
              <td>{item.type === 'provider' ? 'Provider' : 'Token'}</td>
              <td>{item.name}</td>
              <td>{item.outcome === 'SKIPPED' || item.outcome === 'INVALID' ? '—' : item.importedName}</td>
              <td className={item.outcome === 'SKIPPED' ? 'muted' : item.outcome === 'INVALID' ? 'error-line' : 'ok'}>
                {OUTCOMES[item.outcome] ?? item.outcome}
                {item.problem && `: ${item.problem.message} (${item.problem.field ?? item.problem.code})`}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {exported && <BundleDialog {...exported} onClose={() => setExported(null)} />}
    </section>
  );
}

/** Outbound OAuth: providers, the tokens Tessera holds for them, and encrypted bundles. */
export function OAuth() {
  const providers = useLiveQuery(ConsoleOAuthProvidersDocument, {}, ['OAUTH'], (data) => data.oauthProviders);
  const tokens = useLiveQuery(ConsoleOAuthTokensDocument, {}, ['OAUTH'], (data) => data.oauthTokens);
  const providerList = providers.data?.oauthProviders.edges.map((edge) => edge.node) ?? null;
  const tokenList = tokens.data?.oauthTokens.edges.map((edge) => edge.node) ?? null;
  const refetch = () => {
    providers.refetch();
    tokens.refetch();
  };
  return (
    <section aria-labelledby="oauth-title">
      <h1 id="oauth-title">OAuth providers and tokens</h1>
      <p className="lead">Outbound OAuth: Tessera requests tokens from third-party providers, keeps them encrypted, and refreshes them before they expire.</p>
      <ErrorLine error={providers.error ?? tokens.error} />
      <Providers providers={providerList} tokens={tokenList ?? []} loaded={!providers.loading} more={providers.more} refetch={refetch} />
      <Tokens tokens={tokenList} providers={providerList} loaded={!tokens.loading} more={tokens.more} refetch={refetch} />
      <Bundles refetch={refetch} />
    </section>
  );
}

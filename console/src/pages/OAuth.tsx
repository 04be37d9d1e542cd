import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, gql } from '../api';
import { CopyField, Dialog, ErrorLine, RequestStatusBadge, SecretDialog, StatusBadge, useAction, useConfirm, when } from '../components';
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
import { useLiveQuery } from '../live';

type Provider = ConsoleOAuthProviderFragment;
type Token = ConsoleOAuthTokenFragment;

const FLOWS: Record<OAuthFlow, { label: string; hint: string }> = {
  CLIENT_CREDENTIALS: { label: 'Client credentials', hint: 'Tessera authenticates as the client (secret or private key): no person involved. The token is requested at once.' },
  AUTHORIZATION_CODE: { label: 'Authorization code (browser)', hint: 'A person approves at the provider: you get an approval link to open. The provider returns to Tessera at /oauth/callback.' },
  OIDC_HYBRID: { label: 'OpenID Connect (browser)', hint: 'Like authorization code, with the openid scope added and the ID token checked: you get an approval link to open.' },
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
const OUTCOMES: Record<string, string> = { CREATED: 'Created', RENAMED: 'Renamed', REPLACED: 'Replaced', SKIPPED: 'Skipped: the name is taken' };

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

/**
 * A labelled select. The label is tied by `for`, not wrapped around the select, so the select's
 * accessible name is the label alone and not the label followed by the chosen option.
 */
function SelectField(props: { label: string; value: string; onChange(value: string): void; children: ReactNode; describedBy?: string; wide?: boolean }) {
  const id = useId();
  return (
    <div className={props.wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-describedby={props.describedBy}>
        {props.children}
      </select>
    </div>
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

const EMPTY_PROVIDER: ProviderDraft = { name: '', authorizeUrl: '', tokenUrl: '', revocationUrl: '', clientId: '', clientSecret: '', auth: 'secret', keyPem: '', keyId: '', algorithm: 'RS256' };

function privateKeyOf(draft: ProviderDraft): PrivateKeyJwtInput | null {
  return draft.auth === 'key' ? { privateKeyPem: draft.keyPem, keyId: draft.keyId, algorithm: draft.algorithm } : null;
}

/** The provider fields, shared by the add form and the edit dialog. */
function ProviderFields(props: { draft: ProviderDraft; set(draft: ProviderDraft): void; editing?: Provider }) {
  const { draft, set, editing } = props;
  const field = (key: keyof ProviderDraft) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => set({ ...draft, [key]: e.target.value }) });
  return (
    <>
      <label>
        Provider name
        <input required maxLength={100} {...field('name')} />
      </label>
      <label>
        Authorization URL
        <input type="url" required maxLength={2000} placeholder="https://provider.example/authorize" {...field('authorizeUrl')} />
      </label>
      <label>
        Token URL
        <input type="url" required maxLength={2000} placeholder="https://provider.example/token" {...field('tokenUrl')} />
      </label>
      <label>
        Revocation URL (optional)
        <input type="url" maxLength={2000} placeholder="https://provider.example/revoke" {...field('revocationUrl')} />
      </label>
      <label>
        Client ID
        <input required maxLength={500} autoComplete="off" {...field('clientId')} />
      </label>
      <label>
        {editing ? 'New client secret (empty keeps it)' : 'Client secret'}
        <input type="password" required={!editing} maxLength={2000} autoComplete="new-password" {...field('clientSecret')} />
      </label>
      <SelectField label="Client authentication" value={draft.auth} onChange={(auth) => set({ ...draft, auth: auth as ProviderDraft['auth'] })}>
        {editing && <option value="keep">Keep as is ({editing.privateKeyJwt ? `private key ${editing.privateKeyJwt.keyId}` : 'client secret'})</option>}
        <option value="secret">Client secret</option>
        <option value="key">Signed assertion with a private key (private_key_jwt)</option>
      </SelectField>
      {draft.auth === 'key' && (
        <>
          <p className="muted small">With a private key the provider allows only the client-credentials flow. The key is stored encrypted and never shown again.</p>
          <label className="wide">
            Private key (PEM)
            <textarea required rows={4} value={draft.keyPem} onChange={(e) => set({ ...draft, keyPem: e.target.value })} placeholder="-----BEGIN PRIVATE KEY-----" />
          </label>
          <label>
            Key ID (kid)
            <input required maxLength={200} {...field('keyId')} />
          </label>
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
  const [draft, setDraft] = useState<ProviderDraft>({ ...EMPTY_PROVIDER, name: p.name, authorizeUrl: p.authorizeUrl, tokenUrl: p.tokenUrl, revocationUrl: p.revocationUrl ?? '', clientId: p.defaultConsumerKey, auth: 'keep' });
  const [error, run] = useAction();
  const formId = useId();
  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
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
  };
  return (
    <Dialog
      title={`Edit provider “${p.name}”`}
      onClose={() => props.onClose(false)}
      actions={
        <>
          <button type="button" onClick={() => props.onClose(false)}>
            Cancel
          </button>
          <button type="submit" form={formId}>
            Save
          </button>
        </>
      }
    >
      <form id={formId} className="form" onSubmit={save} aria-label={`Edit provider ${p.name}`}>
        <ProviderFields draft={draft} set={setDraft} editing={p} />
      </form>
      <ErrorLine error={error} />
    </Dialog>
  );
}

function Providers(props: { providers: Provider[] | null; tokens: Token[]; loaded: boolean; refetch(): void }) {
  const [draft, setDraft] = useState<ProviderDraft>(EMPTY_PROVIDER);
  const [editing, setEditing] = useState<Provider | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, run] = useAction();
  const [confirmDialog, confirm] = useConfirm();

  const add = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
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
      setOutcome({ tone: 'ok', text: `Provider “${created.name}” added. Its client secret${created.privateKeyJwt ? ' and private key are' : ' is'} stored encrypted and never shown again.` });
      setDraft(EMPTY_PROVIDER);
      props.refetch();
    });
  };

  const remove = (provider: Provider) =>
    void run(async () => {
      setOutcome(null);
      const ok = await confirm({
        title: `Delete provider “${provider.name}”?`,
        consequence: 'Its client ID, secret and private key are deleted: no token can be requested from it any more. Tessera refuses while tokens still use it.',
        confirmLabel: 'Delete provider',
      });
      if (!ok) return;
      try {
        await gql(ConsoleDeleteOAuthProviderDocument, { id: provider.id });
      } catch (caught) {
        if (!(caught instanceof ApiError) || caught.code !== 'CONFLICT') throw caught;
        const users = props.tokens.filter((token) => token.providerId === provider.id).map((token) => `“${token.name}”`);
        throw new Error(users.length ? `“${provider.name}” was not deleted: ${users.length} token(s) still use it (${users.join(', ')}). Delete those tokens first.` : `“${provider.name}” was not deleted: ${caught.message}`);
      }
      setOutcome({ tone: 'ok', text: `Provider “${provider.name}” deleted.` });
      props.refetch();
    });

  return (
    <section aria-labelledby="oauth-providers-title" className="stack-section">
      <h2 id="oauth-providers-title">Providers</h2>
      <p className="lead">The authorization servers Tessera requests tokens from. Secrets and private keys are stored encrypted and never shown again.</p>
      <div className="table-wrap">
        <table aria-label="OAuth providers">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Client ID</th>
              <th scope="col">Allowed flows</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.providers?.map((provider) => (
              <tr key={provider.id} data-provider-id={provider.id}>
                <td>
                  <strong>{provider.name}</strong>
                  <div className="muted small url">{provider.tokenUrl}</div>
                </td>
                <td>
                  <code>{provider.defaultConsumerKey}</code>
                  <div className="muted small">{provider.privateKeyJwt ? `private_key_jwt (${provider.privateKeyJwt.algorithm}, kid ${provider.privateKeyJwt.keyId})` : 'client secret'}</div>
                </td>
                <td className="small">{FLOW_ORDER.filter((flow) => provider.allowedFlows.includes(flow)).map((flow) => FLOWS[flow].label).join(', ')}</td>
                <td className="actions">
                  <button onClick={() => setEditing(provider)} aria-label={`Edit provider ${provider.name}`}>
                    Edit
                  </button>
                  <button className="danger" onClick={() => remove(provider)} aria-label={`Delete provider ${provider.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.loaded && props.providers?.length === 0 && <p className="empty">No providers yet: add one to request tokens from it.</p>}
      </div>
      <ErrorLine error={error} />
      <OutcomeLine outcome={outcome} />
      <form className="card form" onSubmit={add} aria-label="Add an OAuth provider">
        <h3>Add a provider</h3>
        <ProviderFields draft={draft} set={setDraft} />
        <button type="submit">Add provider</button>
      </form>
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
  const [error, run] = useAction();
  const formId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => props.onClose((await gql(ConsoleRenameOAuthTokenDocument, { id: props.token.id, name: name.trim() })).renameOAuthToken));
  };
  return (
    <Dialog
      title={`Rename “${props.token.name}”`}
      onClose={() => props.onClose(null)}
      actions={
        <>
          <button type="button" onClick={() => props.onClose(null)}>
            Cancel
          </button>
          <button type="submit" form={formId}>
            Rename
          </button>
        </>
      }
    >
      <form id={formId} className="form" onSubmit={submit} aria-label={`Rename ${props.token.name}`}>
        <label className="wide">
          New name
          <input required maxLength={100} autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      </form>
      <p className="muted small">Flows find it by its id: renaming breaks nothing.</p>
      <ErrorLine error={error} />
    </Dialog>
  );
}

/** Reset: revoke at the provider, then a new token, optionally with a new scope. */
function ResetDialog(props: { token: Token; revokes: boolean; onClose(reset: Token | null): void }) {
  const [scope, setScope] = useState(props.token.scope ?? '');
  const [error, run] = useAction();
  const formId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => props.onClose((await gql(ConsoleResetClientCredentialsTokenDocument, { id: props.token.id, scope: scope.trim() })).resetClientCredentialsToken));
  };
  return (
    <Dialog
      title={`Reset “${props.token.name}”?`}
      role="alertdialog"
      onClose={() => props.onClose(null)}
      actions={
        <>
          <button type="button" onClick={() => props.onClose(null)} autoFocus>
            Cancel
          </button>
          <button type="submit" form={formId} className="danger">
            Reset
          </button>
        </>
      }
    >
      <p>
        {props.revokes
          ? 'Tessera revokes the current access token at the provider, then requests a new one: anything still holding the old value fails at once; flows that read the token from Tessera get the new one.'
          : 'The provider has no revocation URL: the current access token keeps working at the provider until it expires, while Tessera requests and hands out a new one.'}
      </p>
      <form id={formId} className="form" onSubmit={submit} aria-label={`Reset ${props.token.name}`}>
        <label className="wide">
          Scope (space-separated; empty for none)
          <input value={scope} onChange={(e) => setScope(e.target.value)} />
        </label>
      </form>
      <ErrorLine error={error} />
    </Dialog>
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
  const [error, run] = useAction();
  const hintId = useId();

  const provider = props.providers.find((p) => p.id === providerId) ?? props.providers[0];
  const allowed = FLOW_ORDER.filter((f) => provider?.allowedFlows.includes(f));
  const chosenFlow = allowed.includes(flow) ? flow : (allowed[0] ?? flow);
  // A provider with a private key signs for every token: own keys do not apply.
  const ownKeysPossible = !provider?.privateKeyJwt;
  useEffect(() => {
    if (chosenFlow !== flow) setFlow(chosenFlow);
  }, [chosenFlow, flow]);

  const create = (event: FormEvent) => {
    event.preventDefault();
    if (!provider) return;
    void run(async () => {
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
  };

  if (props.providers.length === 0) return <p className="card muted">Add a provider first: tokens are requested from a provider.</p>;
  return (
    <form className="card form" onSubmit={create} aria-label="New OAuth token">
      <h3>New token</h3>
      <label>
        Token name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
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
          <label>
            Username
            <input required autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <label>
            Password
            <input type="password" required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
        </>
      )}
      <label>
        Scope
        <input value={scope} onChange={(e) => setScope(e.target.value)} placeholder={chosenFlow === 'OIDC_HYBRID' ? 'profile email (openid is added)' : 'read write'} />
      </label>
      <label>
        Resource (optional)
        <input type="url" value={resource} onChange={(e) => setResource(e.target.value)} placeholder="https://api.example/" />
      </label>
      <label className="wide">
        Additional values (one name=value per line, optional)
        <textarea rows={2} value={extra} onChange={(e) => setExtra(e.target.value)} placeholder="audience=crm" />
      </label>
      {ownKeysPossible && (
        <label className="check wide">
          <input type="checkbox" checked={useDefaultKeys} onChange={(e) => setUseDefaultKeys(e.target.checked)} /> Use the provider's client ID and secret
        </label>
      )}
      {ownKeysPossible && !useDefaultKeys && (
        <>
          <label>
            Own client ID
            <input required autoComplete="off" value={consumerKey} onChange={(e) => setConsumerKey(e.target.value)} />
          </label>
          <label>
            Own client secret
            <input type="password" required autoComplete="new-password" value={secretKey} onChange={(e) => setSecretKey(e.target.value)} />
          </label>
        </>
      )}
      <button type="submit">{BROWSER_FLOWS.includes(chosenFlow) ? 'Create and get the approval link' : 'Create and request token'}</button>
      <ErrorLine error={error} />
    </form>
  );
}

function Tokens(props: { tokens: Token[] | null; providers: Provider[] | null; loaded: boolean; refetch(): void }) {
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
      setOutcome(token.requestStatus === 'FAILED' ? { tone: 'error', text: `“${token.name}” was created but the provider refused it: ${token.providerError ?? 'no reason given'}. Fix the provider or the token, then Retry.`, warning } : outcomeOf(token, 'is active', warning));
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
        const ok = await confirm({
          title: `Delete “${token.name}”?`,
          consequence: 'Tessera forgets its access and refresh tokens at once: flows using it will fail when they ask for its access token. It is not revoked at the provider.',
          confirmLabel: 'Delete',
        });
        if (!ok) return;
        await gql(ConsoleDeleteOAuthTokenDocument, { id: token.id });
        setOutcome({ tone: 'ok', text: `“${token.name}” deleted.` });
      }
      props.refetch();
    });

  return (
    <section aria-labelledby="oauth-tokens-title" className="stack-section">
      <h2 id="oauth-tokens-title">Tokens</h2>
      <p className="lead">Tokens Tessera holds for third-party APIs and refreshes on its own before they expire. Their values leave Tessera only through the oauthAccessToken query, audited.</p>
      {props.providers && <NewTokenForm providers={props.providers} onCreated={created} />}
      <ErrorLine error={error} />
      <OutcomeLine outcome={outcome} />
      <div className="table-wrap">
        <table aria-label="OAuth tokens">
          <thead>
            <tr>
              <th scope="col">Token</th>
              <th scope="col">Provider</th>
              <th scope="col">Request</th>
              <th scope="col">Access token</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens?.map((token) => {
              const browser = BROWSER_FLOWS.includes(token.flow);
              const revoked = token.requestStatus === 'REVOKED';
              const canRetry = !browser && (token.requestStatus === 'FAILED' || token.requestStatus === 'EXPIRED');
              const canRefresh = !revoked && !canRetry && (!browser || token.hasRefreshToken);
              return (
                <tr key={token.id} data-token-id={token.id} data-token-name={token.name}>
                  <td>
                    <strong>{token.name}</strong>
                    <div className="muted small">{FLOWS[token.flow].label}</div>
                    {token.scope && <div className="muted small">scope: {token.scope}</div>}
                    {token.grantedScope && token.grantedScope !== token.scope && <div className="muted small">granted: {token.grantedScope}</div>}
                  </td>
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
                    {browser && !revoked && (
                      <button onClick={() => act('request', token)} aria-label={`Request approval for ${token.name}`}>
                        Request
                      </button>
                    )}
                    {canRetry && (
                      <button onClick={() => act('retry', token)} aria-label={`Retry ${token.name}`}>
                        Retry
                      </button>
                    )}
                    {canRefresh && (
                      <button onClick={() => act('refresh', token)} aria-label={`Refresh ${token.name}`}>
                        Refresh
                      </button>
                    )}
                    <button onClick={() => setRenaming(token)} aria-label={`Rename ${token.name}`}>
                      Rename
                    </button>
                    {token.flow === 'CLIENT_CREDENTIALS' && (
                      <button onClick={() => setResetting(token)} aria-label={`Reset ${token.name}`}>
                        Reset
                      </button>
                    )}
                    <button className="danger" onClick={() => act('delete', token)} aria-label={`Delete ${token.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {props.loaded && props.tokens?.length === 0 && <p className="empty">No OAuth tokens yet.</p>}
      </div>
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
  const [exportError, runExport] = useAction();
  const [importError, runImport] = useAction();

  const exportBundle = (event: FormEvent) => {
    event.preventDefault();
    void runExport(async () => {
      setExported((await gql(ConsoleExportOAuthBundleDocument, { passphrase: exportPassphrase })).exportOAuthBundle);
      setExportPassphrase('');
    });
  };
  const importBundle = (event: FormEvent) => {
    event.preventDefault();
    void runImport(async () => {
      setItems(null);
      setItems((await gql(ConsoleImportOAuthBundleDocument, { bundle: bundle.trim(), passphrase: importPassphrase, onConflict })).importOAuthBundle.items);
      setBundle('');
      setImportPassphrase('');
      props.refetch();
    });
  };

  return (
    <section aria-labelledby="oauth-bundles-title" className="stack-section">
      <h2 id="oauth-bundles-title">Export and import</h2>
      <p className="lead">Every provider and token of the tenant as one string encrypted with a passphrase (scrypt, AES-256-GCM), to move them to another Tessera.</p>
      <div className="columns">
        <form className="card form" onSubmit={exportBundle} aria-label="Export a bundle">
          <h3>Export</h3>
          <label className="wide">
            Passphrase (12 characters or more)
            <input type="password" required minLength={12} maxLength={1000} autoComplete="new-password" value={exportPassphrase} onChange={(e) => setExportPassphrase(e.target.value)} />
          </label>
          <button type="submit">Export bundle</button>
          <ErrorLine error={exportError} />
        </form>
        <form className="card form" onSubmit={importBundle} aria-label="Import a bundle">
          <h3>Import</h3>
          <label className="wide">
            Bundle
            <textarea required rows={3} value={bundle} onChange={(e) => setBundle(e.target.value)} placeholder="tob1.…" />
          </label>
          <label className="wide">
            Passphrase
            <input type="password" required autoComplete="off" value={importPassphrase} onChange={(e) => setImportPassphrase(e.target.value)} />
          </label>
          <SelectField label="When a name is taken" value={onConflict} onChange={(c) => setOnConflict(c as ImportConflict)} wide>
            {CONFLICTS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </SelectField>
          <button type="submit">Import bundle</button>
          <ErrorLine error={importError} />
        </form>
      </div>
      {items && (
        <p role="status" className="ok">
          <span aria-hidden="true">✔ </span>
          Imported: {items.filter((item) => item.outcome !== 'SKIPPED').length} of {items.length} item(s); {items.filter((item) => item.outcome === 'SKIPPED').length} skipped.
        </p>
      )}
      {items && (
        <div className="table-wrap">
          <table aria-label="Import results">
            <caption className="visually-hidden">What the import did with each item of the bundle</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Name in the bundle</th>
                <th scope="col">Imported as</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => (
                <tr key={`${item.type}-${item.name}-${index}`} data-outcome={item.outcome}>
                  <td>{item.type === 'provider' ? 'Provider' : 'Token'}</td>
                  <td>{item.name}</td>
                  <td>{item.outcome === 'SKIPPED' ? '—' : item.importedName}</td>
                  <td className={item.outcome === 'SKIPPED' ? 'muted' : 'ok'}>{OUTCOMES[item.outcome] ?? item.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && <p className="empty">The bundle was empty.</p>}
        </div>
      )}
      {exported && <BundleDialog {...exported} onClose={() => setExported(null)} />}
    </section>
  );
}

/** Outbound OAuth: providers, the tokens Tessera holds for them, and encrypted bundles. */
export function OAuth() {
  const providers = useLiveQuery(ConsoleOAuthProvidersDocument, {}, ['OAUTH']);
  const tokens = useLiveQuery(ConsoleOAuthTokensDocument, {}, ['OAUTH']);
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
      <Providers providers={providerList} tokens={tokenList ?? []} loaded={!providers.loading} refetch={refetch} />
      <Tokens tokens={tokenList} providers={providerList} loaded={!tokens.loading} refetch={refetch} />
      <Bundles refetch={refetch} />
    </section>
  );
}

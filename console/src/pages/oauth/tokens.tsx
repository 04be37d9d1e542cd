import { useEffect, useId, useState } from 'react';
import { ApiError, gql } from '../../api';
import {
  CopyButton,
  CopyField,
  ErrorLine,
  FormCard,
  RequestStatusBadge,
  SelectField,
  StatusBadge,
  TextField,
  useAction,
  useConfirm,
  when,
} from '../../components';
import {
  ConsoleCreateOAuthTokenDocument,
  ConsoleDeleteOAuthTokenDocument,
  ConsoleRefreshOAuthTokenDocument,
  ConsoleOAuthCallbackUrlDocument,
  ConsoleRetryOAuthTokenDocument,
  ConsoleStartTokenRequestDocument,
  type OAuthFlow,
} from '../../generated/graphql';
import { type More } from '../../live';
import { DataTable, NameCell, RowAction } from '../../table';

import { Provider, Token, FLOWS, FLOW_ORDER, BROWSER_FLOWS, parseAdditionalValues, Outcome, OutcomeLine, outcomeOf, ApprovalDialog } from './shared';
import { RenameDialog, ResetDialog } from './dialogs';

export function LifetimeBadge(props: { token: Token }) {
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

export function NewTokenForm(props: { providers: Provider[]; onCreated(token: Token, authorizationUrl: string | null, warning: string | null): void }) {
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
  const [callbackUrl, setCallbackUrl] = useState<string | null>(null);
  useEffect(() => {
    void gql(ConsoleOAuthCallbackUrlDocument).then(
      (data) => setCallbackUrl(data.oauthCallbackUrl),
      () => setCallbackUrl(null),
    );
  }, []);
  const plainHttp = callbackUrl !== null && !callbackUrl.startsWith('https:');

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
      {BROWSER_FLOWS.includes(chosenFlow) && callbackUrl && (
        <div className="wide">
          <CopyField label="Redirect URI to register at the provider" value={callbackUrl} />
          {plainHttp && (
            <p className="warning" role="alert" data-testid="https-warning">
              <span aria-hidden="true">⚠ </span>
              PUBLIC_URL is not HTTPS: most providers refuse a plain-HTTP redirect URI (loopback aside), so the approval may not come back. Set PUBLIC_URL to
              Tessera’s https address.
            </p>
          )}
        </div>
      )}
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

export function Tokens(props: { tokens: Token[] | null; providers: Provider[] | null; loaded: boolean; more: More; refetch(): void }) {
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
                <div className="small token-id">
                  <code>{token.id}</code> <CopyButton value={token.id} label={`Copy the id of ${token.name}`} />
                </div>
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

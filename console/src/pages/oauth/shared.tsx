import { CopyField, Dialog, when } from '../../components';
import {
  type AdditionalValueInput,
  type ConsoleOAuthProviderFragment,
  type ConsoleOAuthTokenFragment,
  type ImportConflict,
  type OAuthFlow,
} from '../../generated/graphql';

/** What the OAuth page's parts share: flow names, outcomes, the approval dialog. */
export type Provider = ConsoleOAuthProviderFragment;
export type Token = ConsoleOAuthTokenFragment;

export const FLOWS: Record<OAuthFlow, { label: string; hint: string }> = {
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
export const FLOW_ORDER: OAuthFlow[] = ['CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'OIDC_HYBRID', 'PASSWORD'];
export const BROWSER_FLOWS: OAuthFlow[] = ['AUTHORIZATION_CODE', 'OIDC_HYBRID'];
export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
export const CONFLICTS: { value: ImportConflict; label: string }[] = [
  { value: 'SKIP', label: 'Skip it (keep what is here)' },
  { value: 'RENAME', label: 'Import it under a new name' },
  { value: 'REPLACE', label: 'Replace what is here' },
];
export const OUTCOMES: Record<string, string> = {
  CREATED: 'Created',
  RENAMED: 'Renamed',
  REPLACED: 'Replaced',
  SKIPPED: 'Skipped: the name is taken',
  INVALID: 'Not imported',
};

/** `name=value` lines into additional values; a line without `=` is an input error. */
export function parseAdditionalValues(text: string): AdditionalValueInput[] {
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
export interface Outcome {
  tone: 'ok' | 'error';
  text: string;
  warning?: string | null;
}

export function OutcomeLine(props: { outcome: Outcome | null }) {
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
export function outcomeOf(token: Token, done: string, warning?: string | null): Outcome {
  if (token.providerError) return { tone: 'error', text: `The provider did not give “${token.name}” a token: ${token.providerError}`, warning };
  return { tone: 'ok', text: `“${token.name}” ${done}: Tessera holds a new access token${token.expiresAt ? ` until ${when(token.expiresAt)}` : ''}.`, warning };
}

/** The link a person opens to approve a browser-flow token. */
export function ApprovalDialog(props: { name: string; url: string; warning?: string | null; onClose(): void }) {
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

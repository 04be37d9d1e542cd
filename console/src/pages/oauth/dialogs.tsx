import { useState } from 'react';
import { gql } from '../../api';
import { FormDialog, TextField, useAction } from '../../components';
import { ConsoleRenameOAuthTokenDocument, ConsoleResetClientCredentialsTokenDocument } from '../../generated/graphql';
import { parseAdditionalValues, type Token } from './shared';

/** Rename: flows find a token by its id, so renaming breaks nothing. */
export function RenameDialog(props: { token: Token; onClose(renamed: Token | null): void }) {
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

/**
 * Reset: revoke at the provider, then a new token — with every parameter the reset takes (scope,
 * resource, additional values), each prefilled: left as it is, it is kept; emptied, it is cleared.
 */
export function ResetDialog(props: { token: Token; revokes: boolean; onClose(reset: Token | null): void }) {
  const [scope, setScope] = useState(props.token.scope ?? '');
  const [resource, setResource] = useState(props.token.resource ?? '');
  const [extra, setExtra] = useState(props.token.additionalValues.map((item) => `${item.name}=${item.value}`).join('\n'));
  const [error, , submit] = useAction();
  const reset = submit(async () =>
    props.onClose(
      (
        await gql(ConsoleResetClientCredentialsTokenDocument, {
          id: props.token.id,
          scope: scope.trim(),
          resource: resource.trim(),
          additionalValues: parseAdditionalValues(extra),
        })
      ).resetClientCredentialsToken,
    ),
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
      note={<p className="muted small">Each field holds what the token uses now: leave it to keep it, empty it to clear it.</p>}
    >
      <TextField label="Scope (space-separated)" wide value={scope} onChange={setScope} />
      <TextField label="Resource" type="url" wide value={resource} onChange={setResource} placeholder="https://api.example/" />
      <TextField label="Additional values (one name=value per line)" wide rows={3} value={extra} onChange={setExtra} placeholder="audience=crm" />
    </FormDialog>
  );
}

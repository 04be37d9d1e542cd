import { useEffect, useState } from 'react';
import { gql } from '../../api';
import { FormCard, SelectField, TextField, useAction } from '../../components';
import {
  ConsoleCreatePatDocument,
  ConsoleTokenPolicyDocument,
  type ConsoleTokenPolicyQuery,
  type TokenDuration,
  type TokenScope,
} from '../../generated/graphql';
import { DURATION_LABELS, SCOPES } from './durations';

type Policy = ConsoleTokenPolicyQuery['tokenPolicy'];

/** The durations a person may pick under the tenant's policy, the default first chosen. */
function offered(policy: Policy): TokenDuration[] {
  return [...policy.personalAccessTokenDurations, ...(policy.allowNonExpiringPersonalAccessTokens ? (['NEVER'] as TokenDuration[]) : [])];
}

/** The form that makes a token, offering what the tenant's policy allows (`tokenPolicy`). */
export function NewPatForm(props: { onCreated(created: { secret: string; curl: string; name: string }): void }) {
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [duration, setDuration] = useState<TokenDuration | ''>('');
  const [expiresAt, setExpiresAt] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  const [error, , submit] = useAction();

  useEffect(() => {
    void gql(ConsoleTokenPolicyDocument).then((data) => setPolicy(data.tokenPolicy));
  }, []);

  const chosen: TokenDuration = duration || policy?.defaultPersonalAccessTokenDuration || 'DAYS_7';
  const toggle = (scope: TokenScope) => setScopes((now) => (now.includes(scope) ? now.filter((s) => s !== scope) : [...now, scope]));

  const create = submit(async () => {
    const input = {
      name,
      description: description || null,
      duration: chosen,
      expiresAt: chosen === 'CUSTOM' && expiresAt ? new Date(expiresAt).toISOString() : null,
      scopes: scopes.length ? scopes : null,
    };
    const result = await gql(ConsoleCreatePatDocument, { input });
    props.onCreated({ secret: result.createPersonalAccessToken.secret, curl: result.createPersonalAccessToken.curlExample, name });
    setName('');
    setDescription('');
    setScopes([]);
  });

  return (
    <FormCard label="New personal access token" title="New token" submit="Create token" onSubmit={create} error={error}>
      <TextField label="Name" required maxLength={100} value={name} onChange={setName} />
      <TextField label="Description" maxLength={1000} value={description} onChange={setDescription} />
      <SelectField label="Expires after" value={chosen} onChange={(d) => setDuration(d as TokenDuration)}>
        {(policy ? offered(policy) : (['DAYS_7'] as TokenDuration[])).map((d) => (
          <option key={d} value={d}>
            {DURATION_LABELS[d]}
            {policy?.defaultPersonalAccessTokenDuration === d ? ' (default)' : ''}
          </option>
        ))}
      </SelectField>
      {chosen === 'CUSTOM' && <TextField label="End date" type="date" required value={expiresAt} onChange={setExpiresAt} />}
      <fieldset className="wide scopes">
        <legend>May (none ticked: everything your role allows)</legend>
        {SCOPES.map((scope) => (
          <label key={scope.value} className="check">
            <input type="checkbox" checked={scopes.includes(scope.value)} onChange={() => toggle(scope.value)} />
            {scope.label}
          </label>
        ))}
      </fieldset>
    </FormCard>
  );
}

import { useEffect, useState } from 'react';
import { gql } from '../api';
import { FormCard, SelectField, TextField, useAction, when } from '../components';
import { ConsoleTokenPolicyDocument, ConsoleUpdateTokenPolicyDocument, type ConsoleTokenPolicyQuery, type TokenDuration } from '../generated/graphql';
import { DURATION_LABELS } from './pats/durations';

type Policy = ConsoleTokenPolicyQuery['tokenPolicy'];
const LISTED: TokenDuration[] = ['DAYS_7', 'DAYS_30', 'DAYS_60', 'DAYS_90', 'YEAR', 'CUSTOM'];

/** The tenant's policy for personal access tokens (administrators). */
export function Settings() {
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [offered, setOffered] = useState<TokenDuration[]>([]);
  const [fallback, setFallback] = useState<TokenDuration>('DAYS_7');
  const [maxDays, setMaxDays] = useState('366');
  const [endless, setEndless] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, run, submit] = useAction();

  const show = (p: Policy) => {
    setPolicy(p);
    setOffered(p.personalAccessTokenDurations);
    setFallback(p.defaultPersonalAccessTokenDuration);
    setMaxDays(String(p.maxPersonalAccessTokenLifetimeDays));
    setEndless(p.allowNonExpiringPersonalAccessTokens);
  };
  useEffect(() => {
    void run(async () => show((await gql(ConsoleTokenPolicyDocument)).tokenPolicy));
  }, [run]);

  const save = submit(async () => {
    setSaved(false);
    const result = await gql(ConsoleUpdateTokenPolicyDocument, {
      input: {
        personalAccessTokenDurations: offered,
        defaultPersonalAccessTokenDuration: fallback,
        maxPersonalAccessTokenLifetimeDays: Number(maxDays),
        allowNonExpiringPersonalAccessTokens: endless,
      },
    });
    show(result.updateTokenPolicy);
    setSaved(true);
  });

  const toggle = (d: TokenDuration) => setOffered((now) => (now.includes(d) ? now.filter((x) => x !== d) : LISTED.filter((x) => x === d || now.includes(x))));

  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <p className="lead">What a new personal access token may be in this tenant. Tokens already made keep their terms.</p>
      {policy && (
        <FormCard label="Token policy" title="Personal access tokens" submit="Save policy" onSubmit={save} error={error}>
          <fieldset className="wide scopes">
            <legend>Durations offered</legend>
            {LISTED.map((d) => (
              <label key={d} className="check">
                <input type="checkbox" checked={offered.includes(d)} onChange={() => toggle(d)} />
                {DURATION_LABELS[d]}
              </label>
            ))}
          </fieldset>
          <SelectField label="Default duration" value={fallback} onChange={(d) => setFallback(d as TokenDuration)}>
            {[...LISTED.filter((d) => d !== 'CUSTOM'), 'NEVER' as TokenDuration].map((d) => (
              <option key={d} value={d}>
                {DURATION_LABELS[d]}
              </option>
            ))}
          </SelectField>
          <TextField label="Longest life (days)" type="number" required value={maxDays} onChange={setMaxDays} />
          <label className="check wide">
            <input type="checkbox" checked={endless} onChange={(e) => setEndless(e.target.checked)} />
            Allow tokens without an expiry date
          </label>
          <p className="muted wide" role="status">
            {saved ? 'Saved.' : policy.updatedAt ? `Last changed ${when(policy.updatedAt)}.` : 'The defaults: nobody has changed them.'}
          </p>
        </FormCard>
      )}
    </section>
  );
}

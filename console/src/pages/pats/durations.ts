import type { TokenDuration, TokenScope } from '../../generated/graphql';

/** How each duration reads in the console. */
export const DURATION_LABELS: Record<TokenDuration, string> = {
  DAYS_7: '7 days',
  DAYS_30: '30 days',
  DAYS_60: '60 days',
  DAYS_90: '90 days',
  YEAR: 'One year',
  CUSTOM: 'Custom end date',
  NEVER: 'No expiry',
};

/** The scopes, with what each lets a token do. */
export const SCOPES: { value: TokenScope; label: string }[] = [
  { value: 'READ', label: 'Read the API (no changes)' },
  { value: 'WRITE', label: 'Full API (everything your role allows)' },
  { value: 'VERIFY', label: 'Verify tokens only (a gateway)' },
  { value: 'START_WORKFLOWS', label: 'Start workflows only (a CI job)' },
];

/** A token's scopes in words: none means all the owner's role allows. */
export function scopesText(scopes: readonly TokenScope[]): string {
  return scopes.length ? scopes.map((scope) => SCOPES.find((s) => s.value === scope)?.label ?? scope).join('; ') : 'Everything your role allows';
}

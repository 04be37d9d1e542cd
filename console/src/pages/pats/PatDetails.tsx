import { CopyField, Dialog, StatusBadge, when } from '../../components';
import type { ConsolePatFragment } from '../../generated/graphql';
import { DURATION_LABELS, scopesText } from './durations';

/** A token's View (seed 001): its identifier and every detail, never its value. */
export function PatDetails(props: { token: ConsolePatFragment; onClose(): void }) {
  const t = props.token;
  return (
    <Dialog title={`Token “${t.name}”`} onClose={props.onClose}>
      <CopyField label="Identifier" value={t.id} />
      <dl className="details">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={t.status} />
        </dd>
        <dt>Description</dt>
        <dd>{t.description || '—'}</dd>
        <dt>Starts with</dt>
        <dd>
          <code>{t.start}…</code>
        </dd>
        <dt>Owner</dt>
        <dd>{t.owner?.name ?? 'deleted user'}</dd>
        <dt>Created by</dt>
        <dd>{t.createdBy?.name ?? '—'}</dd>
        <dt>Created</dt>
        <dd>{when(t.createdAt)}</dd>
        <dt>Duration</dt>
        <dd>{DURATION_LABELS[t.duration]}</dd>
        <dt>Expires</dt>
        <dd>{t.expiresAt ? `${when(t.expiresAt)} (expiring soon from ${when(t.expiringAt)})` : 'never'}</dd>
        <dt>May</dt>
        <dd>{scopesText(t.scopes)}</dd>
        <dt>Last used</dt>
        <dd>{when(t.lastUsedAt)}</dd>
      </dl>
    </Dialog>
  );
}

import { when } from '../components';
import type { ConsoleEventFragment } from '../generated/graphql';
import { useLive } from '../live';

const KIND: Record<string, string> = {
  PERSONAL_ACCESS: 'Personal access token',
  WORKFLOW: 'Workflow token',
  APP_SECRET: 'App secret',
  APP_ACCESS: 'App access token',
  ENDPOINT_PRIMARY: 'Primary endpoint token',
  ENDPOINT_SECONDARY: 'Secondary endpoint token',
  OAUTH: 'OAuth token',
};

function describe(event: ConsoleEventFragment): { icon: string; tone: string; text: string } {
  const what = `${KIND[event.token.kind] ?? event.token.kind} “${event.token.name}”`;
  const by = event.actor.name ? ` by ${event.actor.name}` : '';
  switch (event.type) {
    case 'EXPIRING_SOON':
      return { icon: '⚠', tone: 'warn', text: `${what} expires in ${event.thresholdDays ?? '?'} day(s) (${when(event.token.expiresAt)}).` };
    case 'EXPIRED':
      return { icon: '✖', tone: 'error', text: `${what} expired.` };
    case 'REVOKED':
      return { icon: '⊘', tone: 'error', text: `${what} was revoked${by}${event.reason ? ` (${event.reason})` : ''}.` };
    case 'REGENERATED':
      return {
        icon: '↻',
        tone: 'warn',
        text: `${what} was regenerated${by}${event.graceEndsAt ? `; the old value works until ${when(event.graceEndsAt)}` : ''}.`,
      };
    case 'DELETED':
      return { icon: '✕', tone: 'muted', text: `${what} was deleted${by}.` };
    case 'DISABLED':
      return { icon: '○', tone: 'warn', text: `${what} was switched off${by}.` };
    case 'UNASSIGNED':
      return { icon: '−', tone: 'muted', text: `${what} was unassigned${by}.` };
    case 'REFRESH_FAILED':
      return { icon: '✖', tone: 'error', text: `${what} could not be refreshed${event.reason ? `: ${event.reason}` : ''}.` };
    default:
      return { icon: '•', tone: 'muted', text: `${what}: ${event.type.toLowerCase()}.` };
  }
}

/** Expiry and revocation notices as they arrive, and those missed while the console was closed. */
export function NoticesPanel() {
  const live = useLive();
  return (
    <aside className="notices" aria-labelledby="notices-title">
      <div className="notices-head">
        <h2 id="notices-title">Notices</h2>
        <span className={`live ${live.connection === 'live' ? 'ok' : 'warn'}`} data-last-event-id={live.lastEventId ?? ''} data-connection={live.connection}>
          {live.connection === 'live' ? '● Live' : live.connection}
        </span>
        {live.notices.length > 0 && (
          <button className="link" onClick={live.clearNotices}>
            Clear
          </button>
        )}
      </div>
      <ol className="notice-list" aria-live="polite" aria-label="Notices, newest first">
        {live.notices.map((event) => {
          const d = describe(event);
          return (
            <li key={event.id} className={`notice ${d.tone}`} data-event-type={event.type} data-token-id={event.token.tokenId}>
              <span className="icon" aria-hidden="true">
                {d.icon}
              </span>
              <div>
                <div>{d.text}</div>
                <time className="muted small" dateTime={event.occurredAt}>
                  {when(event.occurredAt)}
                </time>
              </div>
            </li>
          );
        })}
      </ol>
      {live.notices.length === 0 && <p className="empty small">No notices. Expiry warnings and revocations appear here as they happen.</p>}
    </aside>
  );
}

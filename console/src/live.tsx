import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { eventIdAfter, gql, socketClient } from './api';
import { ConsoleTokenEventsDocument, type ConsoleEventFragment, type TokenKind, type TokenEventType, type TypedDocumentString } from './generated/graphql';
import { CloseCode } from '../../shared/close-codes';

/** The event types the notices panel shows: expiry and revocation notices. */
export const NOTICE_TYPES: TokenEventType[] = ['EXPIRING_SOON', 'EXPIRED', 'REVOKED', 'REGENERATED', 'DELETED', 'DISABLED', 'UNASSIGNED', 'REFRESH_FAILED'];
const KEEP_NOTICES = 50;

interface Live {
  connection: 'connecting' | 'live' | string;
  lastEventId: string | null;
  notices: ConsoleEventFragment[];
  clearNotices(): void;
  /** Calls `listener` for every event that arrives; returns the unsubscribe. */
  listen(listener: (event: ConsoleEventFragment) => void): () => void;
}

const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>');
  return live;
}

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * One `tokenEvents` subscription for the signed-in session. The last event id is kept in local
 * storage (per user), and the subscription starts `after` it, so what happened while the console
 * was closed arrives first (unless it is past the server's event retention: then it starts from
 * now and says so). Replays after a reconnect are dropped by id.
 */
export function LiveProvider(props: { token: string; viewerKey: string; children: ReactNode; onUnauthorized(): void }) {
  const idKey = `tessera.lastEventId.${props.viewerKey}`;
  const noticesKey = `tessera.notices.${props.viewerKey}`;
  const [connection, setConnection] = useState<Live['connection']>('connecting');
  const [lastEventId, setLastEventId] = useState<string | null>(() => localStorage.getItem(idKey));
  const [notices, setNotices] = useState<ConsoleEventFragment[]>(() => readJson(noticesKey, []));
  const listeners = useRef(new Set<(event: ConsoleEventFragment) => void>());
  const unauthorized = useRef(props.onUnauthorized);
  unauthorized.current = props.onUnauthorized;

  useEffect(() => {
    let last = localStorage.getItem(idKey);
    const client = socketClient(props.token, {
      connected: () => setConnection('live'),
      closed: (reason) => setConnection(reason),
    });
    const subscribe = (after: string | null): (() => void) =>
      client.subscribe<{ tokenEvents: ConsoleEventFragment }>(
        { query: ConsoleTokenEventsDocument.toString(), variables: { after } },
        {
          next: (result) => {
            // The console was closed for longer than events are kept: start from now (the lists show the current state).
            if (result.errors?.some((e) => (e.extensions as { reason?: string } | undefined)?.reason === 'EVENTS_PRUNED')) {
              localStorage.removeItem(idKey);
              last = null;
              setConnection('Live — some notices from while the console was closed are past retention and were not kept');
              queueMicrotask(() => (stop = subscribe(null)));
              return;
            }
            const event = result.data?.tokenEvents;
            if (!event || !eventIdAfter(event.id, last)) return;
            last = event.id;
            localStorage.setItem(idKey, event.id);
            setLastEventId(event.id);
            if (NOTICE_TYPES.includes(event.type)) {
              setNotices((current) => {
                const next = [event, ...current].slice(0, KEEP_NOTICES);
                localStorage.setItem(noticesKey, JSON.stringify(next));
                return next;
              });
            }
            for (const listener of listeners.current) listener(event);
          },
          error: (error) => {
            const code = (error as CloseEvent | undefined)?.code;
            if (code === CloseCode.Unauthorized) unauthorized.current();
            else setConnection('Notices stopped: reload the page to reconnect');
          },
          complete: () => undefined,
        },
      );
    let stop = subscribe(last);
    return () => {
      stop();
      void client.dispose();
    };
  }, [props.token, idKey, noticesKey]);

  const listen = useCallback((listener: (event: ConsoleEventFragment) => void) => {
    listeners.current.add(listener);
    return () => listeners.current.delete(listener);
  }, []);
  const clearNotices = useCallback(() => {
    localStorage.removeItem(noticesKey);
    setNotices([]);
  }, [noticesKey]);

  return <LiveContext.Provider value={{ connection, lastEventId, notices, clearNotices, listen }}>{props.children}</LiveContext.Provider>;
}

export interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  refetch(): void;
  /** For paged lists: how much is shown, and the next page on demand. */
  more: More;
}

/** The parts of a Relay connection paging needs. */
export interface Connection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  edges: unknown[];
}

export interface More {
  shown: number;
  total: number;
  hasMore: boolean;
  loadMore(): void;
}

/**
 * Runs a query, and runs it again whenever an event about one of `kinds` arrives (debounced), so
 * lists follow changes made anywhere — another tab, the API, the expiry sweep — without reload.
 * With `connectionOf` (where the list is in the answer), the list is paged: `more.loadMore()`
 * adds the next page (the API gives at most 100 at a time), and a refetch reloads every page
 * shown so far, in order, into the first page's connection.
 */
export function useLiveQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  kinds: TokenKind[],
  connectionOf?: (data: TResult) => Connection,
): QueryState<TResult> {
  const { listen } = useLive();
  const [state, setState] = useState<{ data: TResult | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const [pages, setPages] = useState(1);
  const key = JSON.stringify(variables);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  const pick = useRef(connectionOf);
  pick.current = connectionOf;

  useEffect(() => {
    let current = true;
    const run = gql as (d: typeof document, v: TVariables) => Promise<TResult>;
    const load = async (): Promise<TResult> => {
      const base = JSON.parse(key) as TVariables;
      const first = await run(document, base);
      const list = pick.current?.(first);
      if (!list) return first;
      let page = list;
      for (let loaded = 1; loaded < pages && page.pageInfo.hasNextPage; loaded += 1) {
        page = pick.current!(await run(document, { ...base, after: page.pageInfo.endCursor }));
        list.edges.push(...page.edges);
      }
      list.pageInfo = page.pageInfo;
      return first;
    };
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [document, key, tick, pages]);

  const list = state.data && connectionOf ? connectionOf(state.data) : null;
  const more: More = {
    shown: list?.edges.length ?? 0,
    total: list?.totalCount ?? 0,
    hasMore: Boolean(list?.pageInfo.hasNextPage),
    loadMore: () => setPages((n) => n + 1),
  };

  const kindsKey = kinds.join(',');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wanted = new Set(kindsKey.split(','));
    const stop = listen((event) => {
      if (!wanted.has(event.token.kind)) return;
      clearTimeout(timer);
      timer = setTimeout(refetch, 100);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [listen, kindsKey, refetch]);

  return { ...state, refetch, more };
}

import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request facts available anywhere below the HTTP handler (error formatting, logs). */
export interface RequestScope {
  requestId: string;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

export { NoticeService, mayView } from './notice.service';
export { NoticeResolver, TokenEventFieldsResolver } from './notice.resolver';
export { ExpirySweep } from './expiry-sweep';
export { TokenEventView } from './token-event.type';
export { sharedSubscribe } from './shared-execution';

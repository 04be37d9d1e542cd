export { NoticeService, mayView } from './notice.service';
export { ExpirySweep } from './expiry-sweep';
export { TokenEventView } from './token-event.type';
export { sharedSubscribe } from './shared-execution';

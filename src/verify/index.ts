export { Verifier, type VerifierOptions } from './verifier';
export { VerifyReason, type KindVerifier, type Principal, type TokenSnapshot, type VerifyRequest, type VerifyResult } from './verify.types';
export { VerifyService } from './verify.service';
export { Authenticator, type Authentication } from './authenticator';

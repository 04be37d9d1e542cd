export { Verifier, registerKindVerifier, type VerifierOptions } from './verifier';
export { VerifyReason, type KindVerifier, type Principal, type TokenSnapshot, type VerifyRequest, type VerifyResult } from './verify.types';

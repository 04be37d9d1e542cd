/**
 * The verify module's API surface (its GraphQL resolver and the `/v1/verify` hot path), apart
 * from index.ts: the types and the Verifier that every module imports must not pull the request
 * context and services in with them (that made one import cycle of the whole server).
 */
export { VerifyResolver } from './verify.resolver';
export { createVerifyHandler } from './verify.routes';

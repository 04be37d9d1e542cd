import type DataLoader from 'dataloader';
import type { Principal } from '../../core/auth/principal';
import type { User } from './user.entity';
import { UserType } from './user.type';

/** What a request needs to show a person: the per-request user loader and who is asking. */
export interface PersonLookup {
  loaders: { userById: DataLoader<string, User | null> };
  requireViewer(): Principal;
}

/**
 * The person behind an id (a token's owner or maker, an app's or a workflow's creator), if they
 * are of the caller's tenant; null when there is none (deleted, or an app made it). Batched per
 * request by the context's user loader.
 */
export async function personOf(ctx: PersonLookup, id: string | null | undefined): Promise<UserType | null> {
  if (!id) return null;
  const user = await ctx.loaders.userById.load(id);
  return user && user.tenantId === ctx.requireViewer().tenantId ? UserType.from(user) : null;
}

import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';
import { AppError } from '../errors';

/** The largest page a list returns. */
export const MAX_PAGE_SIZE = 100;

/** A page read from storage, before mapping to GraphQL. */
export interface Page<E> {
  items: E[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

export function encodeCursor(id: string): string {
  return Buffer.from(`c:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('c:') || decoded.length < 3 || decoded.length > 80) throw AppError.badInput(field, 'The cursor is not one this list gave out.');
  return decoded.slice(2);
}

export interface PageRequest {
  first: number;
  after?: string | null;
}

/**
 * Reads one page keyed on `id` (ids sort by creation time): newest first by default. Two
 * statements whatever the page size: the page (one extra row tells whether more follow) and
 * the count.
 */
export async function paginate<E extends { id: string }>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
  page: PageRequest,
  order: 'asc' | 'desc' = 'desc',
): Promise<Page<E>> {
  const first = Math.min(Math.max(page.first, 1), MAX_PAGE_SIZE);
  const afterId = page.after ? decodeCursor(page.after) : undefined;
  const keyed = afterId ? ({ $and: [where, { id: order === 'desc' ? { $lt: afterId } : { $gt: afterId } }] } as FilterQuery<E>) : where;
  const [rows, totalCount] = await Promise.all([
    em.find(entity, keyed, { orderBy: { id: order } as never, limit: first + 1 }),
    em.count(entity, where),
  ]);
  return { items: rows.slice(0, first), hasNextPage: rows.length > first, hasPreviousPage: afterId !== undefined, totalCount };
}

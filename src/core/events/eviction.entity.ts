import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The cache evictions of one committed change, written in the change's transaction. Every
 * instance reads new rows every second or so ({@link EvictionFeed}): the path a revocation takes
 * to an instance when its bus message never left the revoking instance (that instance cut off
 * from Redis while the others are healthy and trust their caches).
 */
@Entity({ tableName: 'cache_evictions' })
export class EvictionRecord {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** The ids evicted (token, subject or owner ids; never a value), comma-separated. */
  @Property({ type: 'text' })
  tokenIds!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}

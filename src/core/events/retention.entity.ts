import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * How far events have been pruned (one row): every event with an id up to `prunedThrough` is
 * gone, so a listener asking for what came after an older id would miss some, and is told so.
 */
@Entity({ tableName: 'event_retention' })
export class EventRetentionRecord {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  /** The highest pruned event id ('0': none). */
  @Property({ type: 'bigint' })
  prunedThrough!: string;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** The id of the one row. */
export const RETENTION_ROW = 1;

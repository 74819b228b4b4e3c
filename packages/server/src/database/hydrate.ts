import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

const TIMESTAMP_TYPES = new Set<unknown>(['timestamptz', 'timestamp', 'timestamp with time zone', 'timestamp without time zone', Date]);

/**
 * A row that a hand-written statement returned as JSON (`to_jsonb(row)`) → the entity. For the hot paths that
 * read or write several tables in one round trip, which TypeORM's query builders cannot express; timestamps
 * come back as Dates, as TypeORM would give them.
 */
export function hydrate<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, json: Record<string, unknown>): T;
export function hydrate<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, json: Record<string, unknown> | null): T | null;
export function hydrate<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, json: Record<string, unknown> | null): T | null {
  if (!json) return null;
  const metadata = manager.connection.getMetadata(target);
  const entity = metadata.create() as Record<string, unknown>;
  for (const column of metadata.columns) {
    const value = json[column.databaseName] ?? null;
    entity[column.propertyName] = value !== null && TIMESTAMP_TYPES.has(column.type) ? new Date(value as string) : value;
  }
  return entity as T;
}

/** Every TypeORM entity of the hub; each feature folder owns its own entity files. */
export const ENTITIES: Function[] = [];

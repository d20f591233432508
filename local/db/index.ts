/**
 * The local cloud's embedded, durable database. Usage:
 *
 *   const database = await openLocalDatabase({ dir, collections: ALL_COLLECTIONS });
 *   database.install();                       // wx-server-sdk's cloud.database() now talks to it
 *   database.onRoundTrip((action) => ...);    // one call per database request
 */
export { openLocalDatabase } from './database';
export type { LocalDatabase, OpenLocalDatabaseOptions, RoundTripListener } from './database';
export type { CollectionDefinition, IndexDefinition } from './store';
export type { Document } from './ejson';
export { DatabaseError } from './errors';
export type { DatabaseErrorCode } from './errors';

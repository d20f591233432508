/**
 * Shared setup for the local database tests: a fresh temp directory per test file and the genuine
 * wx-server-sdk pointed at the local database, with typings for the calls the tests make (the SDK's
 * own typings return `Promise | void | string`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cloud from 'wx-server-sdk';
import { openLocalDatabase, type CollectionDefinition, type LocalDatabase, type OpenLocalDatabaseOptions } from '../../local/db';

export type Doc = Record<string, unknown>;
type Command = ReturnType<typeof cloud.database>['command'];

export interface SdkQuery {
  where(condition: object): SdkQuery;
  orderBy(field: string, direction: 'asc' | 'desc'): SdkQuery;
  skip(offset: number): SdkQuery;
  limit(max: number): SdkQuery;
  field(projection: object): SdkQuery;
  get(): Promise<{ data: Doc[]; errMsg: string }>;
  count(): Promise<{ total: number; errMsg: string }>;
  update(options: { data: object; multi?: boolean }): Promise<{ stats: { updated: number }; errMsg: string }>;
  remove(options?: { multi?: boolean }): Promise<{ stats: { removed: number }; errMsg: string }>;
}

export interface SdkDocument {
  field(projection: object): SdkDocument;
  get(): Promise<{ data: Doc; errMsg: string }>;
  set(options: { data: object }): Promise<{ _id: string | number; stats: { updated: number; created: number }; errMsg: string }>;
  update(options: { data: object }): Promise<{ stats: { updated: number }; errMsg: string }>;
  remove(): Promise<{ stats: { removed: number }; errMsg: string }>;
}

export interface SdkCollection extends SdkQuery {
  doc(id: string | number): SdkDocument;
  add(options: { data: object }): Promise<{ _id: string; errMsg: string }>;
}

export interface SdkTransaction {
  collection(name: string): SdkCollection;
  commit(): Promise<unknown>;
  rollback(reason?: unknown): Promise<unknown>;
}

export interface SdkDatabase {
  readonly command: Command;
  serverDate(options?: { offset: number }): unknown;
  RegExp(options: { regexp: string; options?: string }): unknown;
  collection(name: string): SdkCollection;
  createCollection(name: string): Promise<{ errMsg: string }>;
  runTransaction<T>(callback: (transaction: SdkTransaction) => Promise<T>, times?: number): Promise<T>;
  startTransaction(): Promise<SdkTransaction>;
}

let initialised = false;

/** `cloud.database()` exactly as a cloud function gets it. */
export function sdkDatabase(): SdkDatabase {
  if (!initialised) {
    cloud.init({ env: 'test' });
    initialised = true;
  }
  return cloud.database() as unknown as SdkDatabase;
}

/** A directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `local-db-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a database in `dir` and routes the SDK to it. */
export async function openInstalled(
  dir: string,
  collections: readonly CollectionDefinition[],
  options: Partial<OpenLocalDatabaseOptions> = {},
): Promise<LocalDatabase> {
  const database = await openLocalDatabase({ dir, collections, ...options });
  database.install();
  return database;
}

/** What wx-server-sdk rejects with; the fields production code reads. */
export interface SdkError {
  errCode: number;
  errMsg: string;
}

export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to reject, but it resolved');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** wx-server-sdk's `collection.aggregate()`: each stage returns a longer pipeline; end() sends it. */
export interface SdkAggregate {
  match(query: object): SdkAggregate;
  group(spec: object): SdkAggregate;
  sort(spec: object): SdkAggregate;
  project(spec: object): SdkAggregate;
  addFields(spec: object): SdkAggregate;
  lookup(spec: object): SdkAggregate;
  unwind(spec: string | object): SdkAggregate;
  limit(max: number): SdkAggregate;
  skip(offset: number): SdkAggregate;
  count(field: string): SdkAggregate;
  geoNear(options: object): SdkAggregate;
  end(): Promise<{ list: Doc[]; errMsg: string }>;
}

/** A $lookup sub-pipeline, from `db.command.aggregate.pipeline()`; done() gives the stages. */
export interface SdkSubPipeline {
  match(query: object): SdkSubPipeline;
  project(spec: object): SdkSubPipeline;
  done(): object[];
}

/** `collection.aggregate()` (also of a transaction's collection), which SdkCollection leaves out. */
export function aggregateOf(collection: SdkCollection): SdkAggregate {
  return (collection as unknown as { aggregate(): SdkAggregate }).aggregate();
}

/** `db.command.aggregate.pipeline()`, missing from the SDK's typings. */
export function subPipeline(db: SdkDatabase): SdkSubPipeline {
  return (db.command.aggregate as unknown as { pipeline(): SdkSubPipeline }).pipeline();
}

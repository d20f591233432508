/**
 * Failures the local database reports, shaped like the cloud's: the request rejects with an error
 * whose `code` is the cloud's string code. wx-server-sdk turns that into the `errCode` / `errMsg`
 * its callers see (DATABASE_REQUEST_FAILED → -502001 "database request fail", …), exactly as it
 * does for the HTTP transport's TcbError.
 */

export type DatabaseErrorCode =
  | 'DATABASE_REQUEST_FAILED'
  | 'DATABASE_INVALID_OPERRATOR'
  | 'DATABASE_COLLECTION_NOT_EXIST'
  | 'DATABASE_COLLECTION_ALREADY_EXIST'
  | 'DATABASE_TRANSACTION_FAIL'
  | 'DATABASE_TRANSACTION_CONFLICT'
  | 'INVALID_PARAM'
  | 'INVALID_ACTION';

let requestSequence = 0;

/** Every response and error carries a request id, as the cloud's do. */
export function nextRequestId(): string {
  requestSequence = (requestSequence + 1) % Number.MAX_SAFE_INTEGER;
  return `local-${Date.now().toString(16)}-${requestSequence}`;
}

export class DatabaseError extends Error {
  readonly code: DatabaseErrorCode;
  readonly requestId: string;

  constructor(code: DatabaseErrorCode, message: string) {
    super(message);
    this.name = 'DatabaseError';
    this.code = code;
    this.requestId = nextRequestId();
  }
}

export const requestFailed = (message: string): DatabaseError => new DatabaseError('DATABASE_REQUEST_FAILED', message);

export const invalidParam = (message: string): DatabaseError => new DatabaseError('INVALID_PARAM', message);

export const unsupportedOperator = (message: string): DatabaseError =>
  new DatabaseError('DATABASE_INVALID_OPERRATOR', message);

export const collectionNotExist = (name: string): DatabaseError =>
  new DatabaseError(
    'DATABASE_COLLECTION_NOT_EXIST',
    `[ResourceNotFound] Db or Table not exist: ${name}. Create the collection first (the local cloud creates the ones in cloudfunctions/shared/schema.ts).`,
  );

/** The MongoDB wording the cloud passes through, so code matching "E11000" behaves the same. */
export function duplicateKey(collection: string, indexName: string, key: Readonly<Record<string, unknown>>): DatabaseError {
  const shownKey = Object.entries(key)
    .map(([field, value]) => `${field}: ${value === undefined ? 'null' : JSON.stringify(value)}`)
    .join(', ');
  return requestFailed(
    `E11000 duplicate key error collection: ${collection} index: ${indexName} dup key: { ${shownKey} }`,
  );
}

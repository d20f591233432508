export * from './define-function';
export * from './errors';
export * from './platform';
export * from './sessions';
export { now, installClock } from './clock';
export { createLogger, installLogSink, type Logger } from './log';
export * from '../domain/mask';
export * from './db';

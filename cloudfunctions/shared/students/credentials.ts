export * from '../runtime/secrets';
export * from './lookup-hash';
export * from './password-hash';
export * from './student-deps';

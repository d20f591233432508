export * from './secrets';
export * from './hmac';
export * from './password-hash';
export * from './student-deps';

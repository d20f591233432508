/**
 * Students: sign-in, the first sign-in, forgotten passwords, 我的, and what the finance office does
 * to an account (activation codes, resets). Other features and the function entries use it only
 * through this file.
 */
export { authHandlers } from './handlers';
export { CLEANUP_TRIGGER } from './deps';
export type { StudentDoc } from './domain/student';
export { studentRefsByNo } from './store';
export { normalizeStudentNo } from './domain/student';
export { checkRoster, prepareRosterImport, type RosterImportScope, type RosterRow } from './roster';
export { studentsConsoleContract } from './contract';
export { studentsConsoleHandlers } from './console';

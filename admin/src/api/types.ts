/** The admin contract's types, as the console's pages use them. */
export type {
  ConsoleIdentity,
  ConsoleSignInPoll,
  ConsoleSignInStart,
  StaffInvitationCreated,
  StaffView,
} from '../../../cloudfunctions/shared/staff/contract';
export type { StaffRole } from '../../../cloudfunctions/shared/contracts';

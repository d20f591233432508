/**
 * The roles as the console names and explains them: the admin contract's ROLE_LABELS and
 * ROLE_DUTIES, in the kernel's order of STAFF_ROLES.
 */
export { STAFF_ROLES as ROLE_ORDER } from '../../../cloudfunctions/shared/kernel/contract';
export { ROLE_DUTIES, ROLE_LABELS } from '../../../cloudfunctions/shared/staff/contract';

/** Codes the admin function returns besides the common ones. */
export const ADMIN_ERRORS = {} as const;

export const adminContract = {};

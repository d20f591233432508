/** Small pieces shared by the sign-in forms (登录, 首次登录, 忘记密码, 修改密码). Pure. */

/** What TDesign's t-input sends with `change`. */
export interface InputEvent {
  detail: { value?: string };
}

/** A page query value as text; a malformed %-sequence (a damaged QR link) is taken as it is. */
export function decodeQueryValue(value: string | undefined): string {
  if (!value) return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The checks a student can be told about before anything is sent: both boxes filled, and the
 * same twice. The server applies the password rules themselves. Null when the pair may be sent.
 */
export function newPasswordPairProblem(newPassword: string, confirmPassword: string): string | null {
  if (!newPassword || !confirmPassword) return '请输入新密码并再次确认';
  if (newPassword !== confirmPassword) return '两次输入的新密码不一致';
  return null;
}

/**
 * An account (学号 or 证件号) as typed on 忘记密码, checked before WeChat is asked for the phone
 * number: each getPhoneNumber call is billed to the mini program, and a student should not share
 * the number for an account that cannot be right. The server still decides; a 证件号's form is
 * left to it (checkIdNumber), a 学号's is the server's pattern (students/domain/student.ts).
 */
export type AccountCheck =
  /** Nothing wrong yet: empty, or still being typed. */
  | { kind: 'waiting'; hint: string }
  | { kind: 'wrong'; problem: string }
  /** A 证件号 long enough for the server to check its form. */
  | { kind: 'askServer'; account: string }
  | { kind: 'ready'; account: string };

/** As the server reads a 学号: full-width folded, spaces dropped, letters upper-cased. */
const typedStudentNo = (value: string): string => value.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
const STUDENT_NO = /^[0-9A-Z]{4,20}$/;

export function checkStudentNo(value: string): AccountCheck {
  const account = typedStudentNo(value);
  if (!account) return { kind: 'waiting', hint: '请先输入学号，再验证手机号' };
  if (!STUDENT_NO.test(account)) return { kind: 'wrong', problem: '学号应为 4–20 位字母或数字' };
  return { kind: 'ready', account };
}

/** The shortest 证件号 there is (the old 15-digit form). */
const ID_NUMBER_MIN_LENGTH = 15;

export function checkIdNumberTyped(value: string): AccountCheck {
  const account = value.normalize('NFKC').replace(/\s+/g, '');
  if (!account) return { kind: 'waiting', hint: '请先输入证件号，再验证手机号' };
  if (account.length < ID_NUMBER_MIN_LENGTH) return { kind: 'waiting', hint: '请输入完整的证件号（18 位）' };
  return { kind: 'askServer', account };
}

/**
 * 忘记密码 checks the account before WeChat is asked for the phone number. Its 学号 check must be
 * the server's (normalizeStudentNo + STUDENT_NO_PATTERN): never refuse a 学号 the server would look
 * up, nor let through one it refuses. A 证件号 is left to the server, once it is long enough.
 */
import { normalizeStudentNo, STUDENT_NO_PATTERN } from '../../../cloudfunctions/shared/students/domain/student';
import { checkIdNumberTyped, checkStudentNo } from '../../../miniprogram/utils/account';

test.each(['20260001', '2026a0007', ' 2026 A0007 ', '２０２６０００１', 'ab1', 'A'.repeat(20), 'A'.repeat(21), '26-01', '学号123', '2026_0001'])(
  '学号 %j: the page lets it through exactly when the server accepts its form',
  (typed) => {
    const server = STUDENT_NO_PATTERN.test(normalizeStudentNo(typed));
    const page = checkStudentNo(typed);
    expect(page.kind === 'ready').toBe(server);
    if (page.kind === 'ready') expect(page.account).toBe(normalizeStudentNo(typed));
  },
);

test('an empty 学号 or 证件号 asks for it, without calling it wrong', () => {
  expect(checkStudentNo('  ')).toEqual({ kind: 'waiting', hint: '请先输入学号，再验证手机号' });
  expect(checkIdNumberTyped('')).toEqual({ kind: 'waiting', hint: '请先输入证件号，再验证手机号' });
});

test('a 证件号 goes to the server once it has 15 characters, spaces and full-width digits folded', () => {
  expect(checkIdNumberTyped('37060219900')).toEqual({ kind: 'waiting', hint: '请输入完整的证件号（18 位）' });
  expect(checkIdNumberTyped('370602 1990 0101 5013')).toEqual({ kind: 'askServer', account: '370602199001015013' });
  expect(checkIdNumberTyped('３７０６０２１９９００１０１５０１Ｘ')).toEqual({ kind: 'askServer', account: '37060219900101501X' });
});

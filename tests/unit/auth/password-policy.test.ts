import { checkNewPassword, passwordContextFromIdNumber } from '../../../cloudfunctions/shared/students/domain/password-policy';
import { passwordContextOf, idRunHashesOf } from '../../../cloudfunctions/shared/students/domain/student';
import { lookupHasher } from '../../../cloudfunctions/shared/students/lookup-hash';

const ID = '11010519491231002X';
const STUDENT_NO = '2023010101';
const context = passwordContextFromIdNumber(ID, STUDENT_NO);

describe('new password rules', () => {
  it.each([
    ['Qiming#2025', []],
    ['长风破浪会有时2025', []],
    ['Ab3$xyz', ['tooShort']],
    [`Aa1!${'x'.repeat(61)}`, ['tooLong']],
    ['1231002X', ['isInitial']],
    ['1231002x', ['isInitial']],
    ['Kk#194912', ['containsIdNumber']],
    ['a110105zz', ['containsIdNumber']],
    ['zz31002xQ!', ['containsIdNumber']],
    ['My!230101ok', ['containsStudentNo']],
    ['12345678', ['tooCommon']],
    ['PassWord', ['tooCommon']],
    ['woaini1314', ['tooCommon']],
    ['aaaaaaaaaa', ['tooCommon']],
    ['abcabcabc', ['tooCommon']],
    ['87654321', ['tooCommon']],
    ['asdfghjkl', ['tooCommon']],
    ['19900307', ['tooCommon']],
    ['1234567', ['tooShort', 'tooCommon']],
  ])('%j → %j', (password, problems) => {
    expect(checkNewPassword(password, context)).toEqual(problems);
  });

  it('answers the ID rules the same from stored keyed hashes as from the number itself', () => {
    const hash = lookupHasher('k'.repeat(40));
    const stored = passwordContextOf({ studentNo: STUDENT_NO, idRunHashes: idRunHashesOf(ID, hash) }, hash);
    for (const candidate of ['1231002X', '1231002x', 'Kk#194912', 'zz31002xQ!', 'Qiming#2025', 'a110105zz', '10105194']) {
      expect(checkNewPassword(candidate, stored)).toEqual(checkNewPassword(candidate, context));
    }
  });
});

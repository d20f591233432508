import { normalizeMainlandMobile, normalizeStudentNo, passwordContextOf, prepareStudent, type StudentInput } from '../../../cloudfunctions/shared/students/domain/student';
import { studentProblemMessage } from '../../../cloudfunctions/shared/students/contract';
import { lookupHasher } from '../../../cloudfunctions/shared/students/lookup-hash';
import { maskIdNumber, maskPhone } from '../../../cloudfunctions/shared/kernel/mask';

const NOW = new Date('2025-03-03T01:00:00Z');
const deps = {
  lookupHash: lookupHasher('unit-test-key-'.repeat(3)),
  maskIdNumber,
  maskPhone,
  now: NOW,
};

const ROW: StudentInput = {
  studentNo: ' ２０２３０１０１０１ ',
  name: '王䶮',
  idNumber: '11010519491231002x',
  college: '继续教育学院',
  major: '会计学',
  grade: '2023级',
  className: '会计学2301班',
  phone: '+86 139-0535-0102',
  email: 'Wang.Yan@Example.com',
};

describe('prepareStudent (admin import, demo data and tests)', () => {
  it('keeps the ID number only as a keyed hash and a masked form; the initial password is known only by its keyed hash', async () => {
    const prepared = await prepareStudent(ROW, deps);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.problems));
    const { doc } = prepared;
    expect(doc).toMatchObject({
      studentNo: '2023010101',
      name: '王䶮',
      idMasked: '1101**********002X',
      phoneMasked: '139****0102',
      phoneVerifiedAt: null,
      // The one email rule: the domain in lower case, the mailbox as written.
      email: 'Wang.Yan@example.com',
      mustChangePassword: true,
      setupCompletedAt: null,
      boundOpenids: [],
      createdAt: NOW,
    });
    expect(doc.idHash).toBe(deps.lookupHash('id', '11010519491231002X'));
    expect(prepared.initialPassword).toBe('1231002X');
    // No scrypt at import: the initial password is checked against its keyed hash until first used.
    expect(doc.passwordHash).toBeNull();
    const passwords = passwordContextOf(doc, deps.lookupHash);
    expect(passwords.isInitialPassword('1231002X')).toBe(true);
    expect(passwords.isInitialPassword('1231002Y')).toBe(false);
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain('11010519491231002');
    expect(stored).not.toContain('13905350102');
    expect(stored).not.toContain('1231002X"');
  });

  it('says what is wrong with each field', async () => {
    const prepared = await prepareStudent(
      { ...ROW, studentNo: '1', name: '', idNumber: '11010519491231002Y', college: '', phone: '12345', email: 'nope' },
      deps,
    );
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.problems.map((p) => p.field)).toEqual(['studentNo', 'name', 'idNumber', 'college', 'phone', 'email']);
    expect(prepared.problems.find((p) => p.field === 'idNumber')).toMatchObject({ reason: 'format' });
    expect(prepared.problems.map(studentProblemMessage)).toEqual([
      '学号应为 4–20 位字母或数字',
      '姓名应为 1–30 个汉字或字母',
      '证件号应为 18 位（旧版为 15 位），由数字组成，最后一位可以是 X',
      '学院不能为空，最多 50 个字符',
      '手机号应为 11 位中国大陆手机号',
      '邮箱格式不正确',
    ]);
  });

  it('accepts names with rare characters and the middle dot', async () => {
    for (const name of ['李堃', '王䶮', '阿卜杜·热合曼', '𠈌子']) {
      expect((await prepareStudent({ ...ROW, name }, deps)).ok).toBe(true);
    }
  });
});

describe('normalising what people type', () => {
  it('学号', () => {
    expect(normalizeStudentNo(' ２０２３ab０１ ')).toBe('2023AB01');
  });

  it('phone numbers', () => {
    expect(normalizeMainlandMobile('139 0535 0102')).toBe('13905350102');
    expect(normalizeMainlandMobile('+8613905350102')).toBe('13905350102');
    expect(normalizeMainlandMobile('１３９０５３５０１０２')).toBe('13905350102');
    expect(normalizeMainlandMobile('0535-6916496')).toBeNull();
  });
});

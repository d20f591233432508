import { payabilityProblems } from '../../../cloudfunctions/shared/billing/domain/payable';

const NOW = new Date('2026-12-05T04:00:00Z');
const bill = (id: string, itemCode: string, itemName: string, mandatory: boolean, term = '2026-2027-1', deadline = '2026-12-31T15:59:59Z') => ({
  _id: id,
  term,
  itemCode,
  itemName,
  mandatory,
  deadline: new Date(deadline),
});
const tuition = bill('xf', 'XF', '学费', true);
const books = bill('jcf', 'JCF', '教材费', true);
const dorm = bill('zsf', 'ZSF', '住宿费', false);
const exam = bill('ksf', 'KSF', '考试费', false, '2026-2027-1', '2026-12-01T15:59:59Z');
const CATALOGUE = [
  { _id: 'XF', payableAfterDeadline: true },
  { _id: 'JCF', payableAfterDeadline: true },
  { _id: 'ZSF', payableAfterDeadline: true },
  { _id: 'KSF', payableAfterDeadline: false },
];

describe('what one order may hold', () => {
  it('an optional bill only with, or after, every mandatory bill of its term', () => {
    const unpaid = [tuition, books, dorm];
    expect(payabilityProblems([dorm], unpaid, CATALOGUE, NOW)).toEqual([{ kind: 'MANDATORY_FIRST', term: '2026-2027-1', mandatoryItems: ['学费', '教材费'] }]);
    expect(payabilityProblems([dorm, tuition], unpaid, CATALOGUE, NOW)).toEqual([{ kind: 'MANDATORY_FIRST', term: '2026-2027-1', mandatoryItems: ['教材费'] }]);
    expect(payabilityProblems([dorm, tuition, books], unpaid, CATALOGUE, NOW)).toEqual([]);
    // Mandatory bills alone, or once they are paid, are fine.
    expect(payabilityProblems([tuition], unpaid, CATALOGUE, NOW)).toEqual([]);
    expect(payabilityProblems([dorm], [dorm], CATALOGUE, NOW)).toEqual([]);
  });

  it('another term’s unpaid mandatory bills do not hold this term’s optional ones back', () => {
    const nextTerm = bill('xf2', 'XF', '学费', true, '2026-2027-2');
    expect(payabilityProblems([dorm], [dorm, nextTerm], CATALOGUE, NOW)).toEqual([]);
  });

  it('an item that closes at its deadline cannot be paid once it has passed; others can, overdue', () => {
    expect(payabilityProblems([exam], [exam], CATALOGUE, NOW)).toEqual([{ kind: 'CLOSED_AFTER_DEADLINE', billId: 'ksf', itemName: '考试费' }]);
    const lateTuition = bill('xf-late', 'XF', '学费', true, '2026-2027-1', '2026-11-30T15:59:59Z');
    expect(payabilityProblems([lateTuition], [lateTuition], CATALOGUE, NOW)).toEqual([]);
    expect(payabilityProblems([exam], [exam], CATALOGUE, new Date('2026-12-01T15:00:00Z'))).toEqual([]);
  });
});

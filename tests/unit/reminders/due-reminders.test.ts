import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { classifySendError, dueReminders, reminderWindow, type OwedBill } from '../../../cloudfunctions/shared/reminders/domain/reminders';
import { reminderMessageData } from '../../../cloudfunctions/shared/reminders/message';

/** 2026-12-28 09:00 in Beijing. */
const NOW = new Date('2026-12-28T01:00:00Z');
/** The last second of a China calendar day. */
const endOfChinaDay = (day: string): Date => new Date(new Date(`${day}T23:59:59+08:00`).getTime());

const bill = (id: string, studentId: string, deadlineDay: string, amount: number, itemName = '学费', term = '2026-2027-1'): OwedBill => ({
  _id: id,
  studentId,
  studentNo: `no-${studentId}`,
  term,
  itemName,
  amount: fen(amount),
  deadline: endOfChinaDay(deadlineDay),
});

describe('which deadlines are reminded', () => {
  it('three days ahead reaches to the end of the third China day, not a second further', () => {
    const { from, to } = reminderWindow(NOW, 3);
    expect(from).toEqual(NOW);
    expect(to.getTime()).toBeGreaterThanOrEqual(endOfChinaDay('2026-12-31').getTime());
    expect(to.getTime()).toBeLessThan(new Date('2027-01-01T00:00:00+08:00').getTime());
  });

  it('a deadline within the days is reminded; one further off, or passed, is not yet / no longer', () => {
    const due = dueReminders([bill('a', 's1', '2026-12-31', 320000), bill('b', 's1', '2027-01-01', 45050), bill('c', 's2', '2026-12-27', 100)], NOW, 3);
    expect(due.map((reminder) => reminder.billIds)).toEqual([['a']]);
  });

  it('one reminder per student and deadline day, naming every item and the sum of what is owed that day', () => {
    const due = dueReminders(
      [bill('a', 's1', '2026-12-30', 320000, '学费'), bill('b', 's1', '2026-12-30', 45050, '教材费'), bill('c', 's2', '2026-12-30', 120000, '住宿费')],
      NOW,
      3,
    );
    expect(due).toHaveLength(2);
    const first = due.find((reminder) => reminder.studentId === 's1')!;
    expect(first.key).toBe('s1:2026-12-30');
    expect(first.itemNames).toEqual(['学费', '教材费']);
    expect(first.total).toBe(365050);
  });

  it('earlier deadlines come first', () => {
    const due = dueReminders([bill('late', 's1', '2026-12-31', 1), bill('soon', 's2', '2026-12-29', 1)], NOW, 3);
    expect(due.map((reminder) => reminder.studentId)).toEqual(['s2', 's1']);
  });
});

describe('what WeChat says to a send', () => {
  it('43101 (withdrawn, or no acceptance left) is a refusal; a refused template or data is lasting; anything else passes', () => {
    expect(classifySendError(43101)).toBe('refused');
    expect(classifySendError(40037)).toBe('lasting');
    expect(classifySendError(47003)).toBe('lasting');
    expect(classifySendError(-1)).toBe('passing');
    expect(classifySendError(null)).toBe('passing');
  });
});

describe('the message', () => {
  it('reads the items, the amount in 元 and the deadline as a Chinese date, within WeChat\'s 20 characters per thing', () => {
    const [reminder] = dueReminders(
      ['学费', '教材费', '住宿费', '体检费', '保险费', '军训服装费', '网络通信费'].map((name, i) => bill(`b${i}`, 's1', '2026-12-31', 10000, name)),
      NOW,
      3,
    );
    const data = reminderMessageData(reminder!);
    expect(data.amount2!.value).toBe('¥700.00');
    expect(data.date3!.value).toBe('2026年12月31日');
    expect(Array.from(data.thing1!.value).length).toBeLessThanOrEqual(20);
    expect(data.thing1!.value.startsWith('学费、教材费')).toBe(true);
    expect(data.thing1!.value.endsWith('…')).toBe(true);
    for (const value of Object.values(data)) expect(value.value).not.toBe('');
  });
});

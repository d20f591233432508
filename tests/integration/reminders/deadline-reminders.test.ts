/**
 * 缴费提醒 end to end on the local cloud: the student accepts on 账单缴费 (remindMe), the bills
 * function's timer sends one message per deadline a few days before it, never twice, never for a
 * paid bill or without an acceptance, and records WeChat's refusal (43101) without trying again.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReminderConsent, ReminderFigures, ReminderRunReport } from '../../../cloudfunctions/shared/reminders/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { SANDBOX_DEADLINE_REMINDER_TEMPLATE_ID, subscribeMessagesOf } from '../../../local/wechat-openapi';
import { addBills, createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { data, startConsoleCloud, type ConsoleCloud } from '../admin/support';

jest.setTimeout(60_000);

/** 2026-12-28 09:00 in Beijing: the timer's first run of the day. */
const START = new Date('2026-12-28T01:00:00Z');
const DAY_MS = 24 * 3600_000;
const endOfChinaDay = (day: string): Date => new Date(`${day}T23:59:59+08:00`);

let c: ConsoleCloud;
const cloud = () => c.running.cloud;
const bills = () => collection(cloud().sdkDatabase(), 'bills');
const sentTo = (student: TestStudent) => subscribeMessagesOf(cloud()).sent().filter((message) => message.touser === student.openid);

const remindMe = (student: TestStudent) => cloud().invoke('bills', { action: 'remindMe' }, { openid: student.openid }) as Promise<ApiResult<ReminderConsent>>;
const runTimer = async (): Promise<ReminderRunReport> => {
  const answer = (await cloud().fireTimer('bills', 'deadlineReminders')) as ApiResult<ReminderRunReport>;
  if (!answer.ok) throw new Error(`deadlineReminders: ${answer.message}`);
  return answer.data;
};

/** A signed-in student whose bills fall due on these China days (学费, 住宿费, 教材费 in turn). */
async function studentOwing(...deadlineDays: string[]): Promise<{ student: TestStudent; billIds: string[] }> {
  const student = await createSignedInStudent(cloud());
  const made = await addBills(cloud(), student, deadlineDays.length);
  for (const [i, bill] of made.entries()) await bills().updateById(bill._id, { deadline: endOfChinaDay(deadlineDays[i]!) });
  return { student, billIds: made.map((bill) => bill._id) };
}

beforeAll(async () => {
  c = await startConsoleCloud({ startAt: START });
});

afterAll(async () => {
  await c.stop();
});

describe('deadline reminders', () => {
  it('are not sent to a student who never asked', async () => {
    const { student } = await studentOwing('2026-12-30');
    await runTimer();
    expect(sentTo(student)).toEqual([]);
  });

  it('are sent once, three days before, for every bill due that day, and not again on the next run', async () => {
    const { student } = await studentOwing('2026-12-31', '2026-12-31', '2027-01-20');
    const consent = data({ result: await remindMe(student) });
    expect(consent).toMatchObject({ remindersLeft: 1, daysBefore: 3, nextDeadline: endOfChinaDay('2026-12-31').toISOString() });

    await runTimer();
    const [message, ...more] = sentTo(student);
    expect(more).toEqual([]);
    expect(message).toMatchObject({ templateId: SANDBOX_DEADLINE_REMINDER_TEMPLATE_ID, page: 'pages/bills/index' });
    // 学费 3,200.00 + 住宿费 1,200.00 due on the 31st; the 教材费 due in January waits for its own reminder.
    expect(message!.data).toEqual({
      thing1: { value: '学费、住宿费' },
      amount2: { value: '¥4400.00' },
      date3: { value: '2026年12月31日' },
      thing4: { value: '请在截止日期前完成缴费，以免逾期' },
    });

    await runTimer();
    cloud().clock.advance(3600_000);
    await runTimer();
    expect(sentTo(student)).toHaveLength(1);
  });

  it('wait until the deadline is near, and then use up one acceptance each', async () => {
    const { student } = await studentOwing('2027-01-06', '2027-01-07');
    data({ result: await remindMe(student) });
    expect(data({ result: await remindMe(student) }).remindersLeft).toBe(2);
    await runTimer();
    expect(sentTo(student)).toEqual([]);

    cloud().clock.advance(7 * DAY_MS); // 2027-01-04 09:00: both deadlines are within three days
    await runTimer();
    expect(sentTo(student).map((message) => message.data.date3!.value)).toEqual(['2027年1月6日', '2027年1月7日']);
    expect((await collection(cloud().sdkDatabase(), 'reminderConsents').findById(student.openid))?.credits).toBe(0);
  });

  it('are not sent for a bill paid (or voided) since the student asked', async () => {
    cloud().clock.advance(DAY_MS);
    const day = new Date(cloud().clock.nowMs() + 2 * DAY_MS).toISOString().slice(0, 10);
    const { student, billIds } = await studentOwing(day, day);
    data({ result: await remindMe(student) });
    await bills().updateById(billIds[0]!, { status: 'PAID' });
    await bills().updateById(billIds[1]!, { status: 'VOID' });
    await runTimer();
    expect(sentTo(student)).toEqual([]);
  });

  it('record WeChat refusing (the student withdrew) and do not try that student again', async () => {
    const day = new Date(cloud().clock.nowMs() + DAY_MS).toISOString().slice(0, 10);
    const { student } = await studentOwing(day);
    data({ result: await remindMe(student) });
    subscribeMessagesOf(cloud()).refuse(student.openid);

    const report = await runTimer();
    expect(report.refused).toBe(1);
    const reminders = collection(cloud().sdkDatabase(), 'deadlineReminders');
    const [record] = await reminders.find({ studentId: student.studentId });
    expect(record).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(record!.error).toContain('43101');
    expect(await collection(cloud().sdkDatabase(), 'reminderConsents').findById(student.openid)).toMatchObject({ credits: 0 });

    subscribeMessagesOf(cloud()).accept(student.openid);
    await runTimer();
    expect(sentTo(student)).toEqual([]);
    expect((await reminders.findById(record!._id))?.attempts).toBe(1);
  });

  it('one left 发送中 by a run that stopped is counted as failed on the next run, and never sent twice', async () => {
    const day = new Date(cloud().clock.nowMs() + DAY_MS).toISOString().slice(0, 10);
    const { student } = await studentOwing(day);
    data({ result: await remindMe(student) });
    const reminders = collection(cloud().sdkDatabase(), 'deadlineReminders');
    const key = `${student.studentId}:${day}`;
    // What a run that died between claiming and recording leaves behind.
    await reminders.insert({
      _id: key, studentId: student.studentId, openid: student.openid, deadlineDay: day, deadline: endOfChinaDay(day), billIds: [], terms: ['2026-2027-1'],
      total: 0, status: 'SENDING', attempts: 1, error: null, createdAt: cloud().clock.now(), sentAt: null, updatedAt: cloud().clock.now(),
    });

    expect((await runTimer()).interrupted).toBe(0); // still within a run's time: not touched
    cloud().clock.advance(11 * 60_000);
    expect((await runTimer()).interrupted).toBe(1);
    expect(await reminders.findById(key)).toMatchObject({ status: 'FAILED', attempts: 1 });
    await runTimer();
    expect(sentTo(student)).toEqual([]);
  });

  it('a student who owes nothing is told there is nothing to be reminded of', async () => {
    const student = await createSignedInStudent(cloud());
    const answer = await remindMe(student);
    expect(answer).toMatchObject({ ok: false, code: 'REMINDER_NOTHING_DUE' });
  });

  it('the console counts, per term, the students who asked, were reminded and could not be', async () => {
    const token = await c.signInAs('viewer');
    const figures = data(await c.api<ReminderFigures>('reminderFigures', { term: '2026-2027-1' }, { token }));
    // Asked: five students above (the one who never asked and the one who owes nothing are not counted).
    expect(figures).toEqual({ term: '2026-2027-1', optedIn: 5, reminded: 2, failed: 2, daysBefore: 3 });
  });
});

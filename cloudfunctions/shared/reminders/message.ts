/**
 * The 缴费提醒 subscribe message as the student reads it in WeChat. The template (chosen in the mini
 * program's console, 订阅消息 → 公共模板库) has these keys: thing1 缴费项目, amount2 缴费金额,
 * date3 截止日期, thing4 温馨提示.
 */
import { shanghaiDate } from '../kernel/china-time';
import { formatFenForMessage } from '../kernel/money';
import { itemsThing } from '../kernel/message-fields';
import type { DueReminder } from './domain/reminders';



export function reminderMessageData(reminder: DueReminder): Record<string, { value: string }> {
  const [year, month, day] = shanghaiDate(reminder.deadline).split('-').map(Number);
  return {
    thing1: { value: itemsThing(reminder.itemNames) },
    amount2: { value: formatFenForMessage(reminder.total) },
    date3: { value: `${year}年${month}月${day}日` },
    thing4: { value: '请在截止日期前完成缴费，以免逾期' },
  };
}

/** The page the message opens: 账单缴费. */
export const REMINDER_PAGE = 'pages/bills/index';

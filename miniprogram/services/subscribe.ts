/**
 * WeChat's one-time subscribe messages (订阅消息): the only code that asks for them, for 缴费成功
 * (pay.ts) and for the deadline reminder (bills.ts). WeChat shows its prompt only during a user's
 * tap, so callers ask synchronously from their tap handlers, before anything else is awaited.
 */

/**
 * accept: the student allowed one message; reject: they said no, or have turned subscribe
 * messages off in the mini program's settings (WeChat asks no more and says no by itself);
 * ban: WeChat has blocked the template; unavailable: no template configured, a WeChat without the
 * API, or the prompt could not be shown.
 */
export type SubscriptionAnswer = 'accept' | 'reject' | 'ban' | 'unavailable';

/** requestSubscribeMessage's error when subscribe messages are switched off (设置 → 订阅消息). */
const SWITCHED_OFF = 20004;

export function requestSubscription(templateId: string): Promise<SubscriptionAnswer> {
  if (!templateId || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve('unavailable');
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: [templateId],
      success(res) {
        const answer = (res as unknown as Record<string, string>)[templateId];
        resolve(answer === 'accept' || answer === 'reject' || answer === 'ban' ? answer : 'unavailable');
      },
      fail(err) {
        resolve(err.errCode === SWITCHED_OFF ? 'reject' : 'unavailable');
      },
    });
  });
}

/**
 * WeChat's one-time subscribe messages (订阅消息): the only code that asks for them, for 缴费成功 and
 * 退款结果 (pay.ts, in one prompt) and for the deadline reminder (bills.ts). WeChat shows its prompt
 * only during a user's tap, so callers ask synchronously from their tap handlers, before anything
 * else is awaited.
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

/** WeChat's limit of template ids in one prompt. */
export const MAX_TEMPLATES_PER_PROMPT = 3;

/**
 * Asks for one or more templates in one prompt (empty ids are left out; none left: nothing is
 * asked). Each one-time template is answered on its own: the student may accept one and refuse
 * another. Resolves with the answer for every id given.
 */
export function requestSubscriptions(templateIds: readonly string[]): Promise<Record<string, SubscriptionAnswer>> {
  const asked = [...new Set(templateIds.filter((id) => id !== ''))].slice(0, MAX_TEMPLATES_PER_PROMPT);
  const answers = (answer: (id: string) => SubscriptionAnswer): Record<string, SubscriptionAnswer> => {
    const byTemplate: Record<string, SubscriptionAnswer> = {};
    for (const id of templateIds) byTemplate[id] = asked.includes(id) ? answer(id) : 'unavailable';
    return byTemplate;
  };
  if (asked.length === 0 || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve(answers(() => 'unavailable'));
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: asked,
      success(res) {
        const given = res as unknown as Record<string, string>;
        resolve(
          answers((id) => {
            const answer = given[id];
            return answer === 'accept' || answer === 'reject' || answer === 'ban' ? answer : 'unavailable';
          }),
        );
      },
      fail(err) {
        resolve(answers(() => (err.errCode === SWITCHED_OFF ? 'reject' : 'unavailable')));
      },
    });
  });
}

export async function requestSubscription(templateId: string): Promise<SubscriptionAnswer> {
  return (await requestSubscriptions([templateId]))[templateId] ?? 'unavailable';
}

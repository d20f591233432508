/** WeChat's subscribe-message field rules that more than one message needs. */

/** WeChat refuses a `thing` value longer than 20 characters. */
const THING_MAX = 20;

/** A `thing` value within WeChat's limit: cut to 19 characters and … when longer. */
function messageThing(text: string): string {
  const chars = Array.from(text);
  return chars.length <= THING_MAX ? text : `${chars.slice(0, THING_MAX - 1).join('')}…`;
}

/** The 缴费项目 field of every message: the items once each, joined by 、, within the limit. */
export function itemsThing(itemNames: readonly string[]): string {
  return messageThing([...new Set(itemNames)].join('、')) || '继续教育缴费';
}

/**
 * One email rule: the pages check an address with a generated copy of the back end's rule
 * (cloudfunctions/shared/kernel/email.ts → miniprogram/utils/email-rule.ts), so 立即支付 and
 * 发送到邮箱 never accept an address the server refuses, nor refuse one it accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EMAIL_RULE_COPY, EMAIL_RULE_SOURCE, emailRuleCopy } from '../../../scripts/build-miniprogram';
import * as kernel from '../../../cloudfunctions/shared/kernel/email';
import * as pages from '../../../miniprogram/utils/email-rule';

const ROOT = path.resolve(__dirname, '..', '..', '..');

test(`the mini program's copy is ${EMAIL_RULE_SOURCE} as the build generates it (run npm run build after changing the rule)`, () => {
  expect(fs.readFileSync(path.join(ROOT, EMAIL_RULE_COPY), 'utf8')).toBe(emailRuleCopy(ROOT));
});

test.each([
  'zhangsan@example.com',
  '  ZhangSan@Example.COM ',
  'li.si+receipts@mail.sdu.edu.cn',
  'ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  'zhangsan@example',
  'zhang..san@example.com',
  '.zhangsan@example.com',
  'zhang.@example.com',
  'zhangsan@-example.com',
  '张三 <zhangsan@example.com>',
  'zhangsan@example.com, lisi@example.com',
  `${'a'.repeat(95)}@x.cn`,
  '',
])('the page and the server agree on %p', (typed) => {
  expect(pages.normalizeEmail(typed)).toBe(kernel.normalizeEmail(typed));
  expect(pages.isValidEmail(typed)).toBe(kernel.isValidEmail(typed));
});

test('an address typed on a full-width keyboard is taken; one the mailer would refuse is not', () => {
  // 账单缴费's own pattern used to refuse the first and take the second.
  expect(pages.isValidEmail('ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(true);
  expect(pages.isValidEmail('zhang.@example.com')).toBe(false);
});

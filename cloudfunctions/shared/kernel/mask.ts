/**
 * Masking for anything that leaves a function: responses and logs. Pure, shared by the runtime's
 * logger and by the handlers that build views.
 */

/** 370102199003071234 → 3701**********1234 (keeps 4 + 4 like the university's own screens). */
export function maskIdNumber(id: string): string {
  if (id.length <= 8) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜 */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** 4200001234202611281234567890 → 4200****7890 */
export function maskReference(value: string): string {
  if (value.length <= 8) return value;
  return `${value.slice(0, 4)}****${value.slice(-4)}`;
}

/** zhangsan@qq.com → zh***@qq.com; a@qq.com → a***@qq.com (the mailbox stays recognisable to its owner). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = email.slice(0, at);
  return `${local.slice(0, Math.min(2, local.length - 1) || 1)}***${email.slice(at)}`;
}

// An address in free text, e.g. quoted by an SMTP rejection (550 5.1.1 <zhang@example.com>: …):
// a local part of the characters mail systems print, @, and a domain with a dot.
const EMAIL_PATTERN = /(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

// 18-digit resident ID (last may be X) or 15-digit legacy ID, also written in groups with spaces
// ("370602 19990307 123X") or as its parts with dashes ("370602-19990307-123X": region, birth date,
// sequence); mainland mobile numbers, also with the country code (+86, 86, 0086) or in groups ("138
// 1234 5678", "138-1234-5678") — when they stand alone (not part of a longer digit run such as a
// transaction id, nor of an id like bill-2026500003-2026-2027-1-XF). Digits may be full-width, as a
// Chinese input method types them.
const DIGIT = '[0-9\uFF10-\uFF19]';
const LAST = '[0-9\uFF10-\uFF19Xx\uFF38\uFF58]';
const SPACE = '[ \u3000]?';
const ID_SHAPES = [
  `(?:${DIGIT}${SPACE}){17}${LAST}`,
  `(?:${DIGIT}${SPACE}){14}${DIGIT}`,
  `${DIGIT}{6}-${DIGIT}{8}-${DIGIT}{3}${LAST}`,
  `${DIGIT}{6}-${DIGIT}{6}-${DIGIT}{3}`,
];
const ID_PATTERN = new RegExp(`(?<![0-9A-Za-z\uFF10-\uFF19-])(?:${ID_SHAPES.join('|')})(?![0-9A-Za-z\uFF10-\uFF19-])`, 'g');
const PHONE_PATTERN = new RegExp(
  `(?<!${DIGIT})(\\+86|0086|86)?([ \u3000-]?)([1\uFF11][3-9\uFF13-\uFF19]${DIGIT}(?:[ \u3000-]?${DIGIT}{4}){2})(?!${DIGIT})`,
  'g',
);

/** Full-width digits and X as their ASCII forms, so a number typed either way masks the same. */
const halfWidth = (text: string): string => text.replace(/[\uFF10-\uFF19\uFF38\uFF58]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/**
 * Scrubs free text (log lines, stored error messages) of email addresses, ID numbers and phone
 * numbers. Addresses go first, so one made of a phone number is masked as an address.
 */
export function scrubPersonalData(text: string): string {
  return text
    .replace(EMAIL_PATTERN, (address) => maskEmail(address))
    .replace(ID_PATTERN, (m) => maskIdNumber(halfWidth(m).replace(/[ \u3000-]/g, '')))
    .replace(PHONE_PATTERN, (_m, country: string | undefined, gap: string, national: string) =>
      country ? `${country}${gap}${maskPhone(halfWidth(national))}` : `${gap}${maskPhone(halfWidth(national))}`,
    );
}

/**
 * Masking for display, with the same conventions as the server's masks (the server already sends
 * identity data masked; these are for what the client itself shows, e.g. a phone number just typed).
 */

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** 370102199003071234 → 3701**********1234 (4 + 4, like the university's own screens). */
export function maskIdNumber(idNumber: string): string {
  const value = idNumber.trim();
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

/** 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜 */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

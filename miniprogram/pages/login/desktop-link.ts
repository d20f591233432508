/**
 * How the login page learns it was opened from the learning platform's QR code, read without the
 * back end: the scanned link itself in `q` (扫普通链接二维码打开小程序 passes the whole link,
 * encoded), or the link's fields as the page's own query (a 明文 URL Scheme). Whether the link
 * holds is for the server to say (services/auth.ts redeemDesktopLink).
 */
import { decodeQueryValue } from '../../utils/form';

/** The link's query names (docs/desktop-link.md). */
const LINK_FIELDS = ['s', 'e', 'n', 'k', 'sig'] as const;

/** The link to check, as text the server parses; null when the page was opened some other way. */
export function desktopLinkFromOptions(options: Record<string, string | undefined>): string | null {
  const scanned = decodeQueryValue(options.q).trim();
  if (scanned) return scanned;
  if (!options.sig) return null;
  return LINK_FIELDS.map((name) => `${name}=${encodeURIComponent(decodeQueryValue(options[name]).trim())}`).join('&');
}

/** The official account's menu (智慧财务 → 智慧缴费) opens `pages/login/index?entry=menu`. */
export const MENU_ENTRY = 'menu';

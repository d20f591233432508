/**
 * What WeChat does with a scanned https link registered under 扫普通链接二维码打开小程序 (公众平台
 * → 开发管理 → 开发设置): the rule whose prefix the link starts with names a page, and the mini
 * program opens that page with the whole link, encoded, in `q` and the scan time (Unix seconds)
 * in `scancode_time`. A link no rule covers is opened as an ordinary web page instead.
 *
 *   POST /sandbox/open-link { link } → { path, query }   (404 LINK_NOT_REGISTERED otherwise)
 *
 * The local rules: the learning platform's login link (the demo prefix below, which
 * `npm run desktop-link` signs under) and, when RECEIPT_VERIFY_URL is set, the receipts' check link.
 */
import type { LocalCloud } from './cloud';
import { HttpError, type LocalCloudServer } from './server';

/** The prefix the local demo registers for the learning platform's links (a school uses its own domain). */
export const LOCAL_DESKTOP_LINK_PREFIX = 'https://zhjf.example.edu.cn/desktop-login';

export interface LinkRule {
  /** The registered prefix: a scanned link that starts with it opens `page`. */
  prefix: string;
  /** The mini program page, as app.json names it. */
  page: string;
}

export function localLinkRules(env: Readonly<Record<string, string | undefined>> = process.env): LinkRule[] {
  const verifyUrl = env.RECEIPT_VERIFY_URL?.trim();
  return [
    { prefix: LOCAL_DESKTOP_LINK_PREFIX, page: 'pages/login/index' },
    ...(verifyUrl ? [{ prefix: verifyUrl, page: 'pages/verify/index' }] : []),
  ];
}

export interface OpenedPage {
  path: string;
  /** The page's onLoad options, as WeChat passes them. */
  query: { q: string; scancode_time: string };
}

/** The page a scanned link opens, or null when no rule covers it. */
export function openScannedLink(link: string, rules: readonly LinkRule[], at: Date): OpenedPage | null {
  const rule = rules.find((candidate) => link.startsWith(candidate.prefix));
  if (!rule) return null;
  return { path: rule.page, query: { q: encodeURIComponent(link), scancode_time: String(Math.floor(at.getTime() / 1000)) } };
}

export function installOpenLinkSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  server?.route('/sandbox/open-link', async ({ body }) => {
    const link = (body as { link?: unknown } | null)?.link;
    if (typeof link !== 'string' || link.trim() === '') throw new HttpError(400, 'INVALID_LINK', '请求体应为 { link: 扫到的链接 }');
    const opened = openScannedLink(link.trim(), localLinkRules(), cloud.clock.now());
    if (!opened) throw new HttpError(404, 'LINK_NOT_REGISTERED', '这个链接不在小程序登记的“扫普通链接二维码打开小程序”规则中，微信会把它当作网页打开');
    return opened;
  });
}

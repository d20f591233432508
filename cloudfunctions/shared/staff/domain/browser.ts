/**
 * A browser's User-Agent in the words a staff member recognises on the 确认登录 page
 * ("Edge 120 · Windows"): enough to notice a sign-in that is not theirs, nothing more.
 */
const BROWSERS: readonly (readonly [name: string, pattern: RegExp])[] = [
  ['Edge', /Edg(?:e|A|iOS)?\/(\d+)/],
  ['360 浏览器', /QIHU 360[A-Z]*|360SE|360EE/],
  ['QQ 浏览器', /QQBrowser\/(\d+)/],
  ['微信', /MicroMessenger\/(\d+)/],
  ['Firefox', /Firefox\/(\d+)/],
  ['Chrome', /Chrome\/(\d+)/],
  ['Safari', /Version\/(\d+).*Safari\//],
];

const SYSTEMS: readonly (readonly [name: string, pattern: RegExp])[] = [
  ['Windows', /Windows NT/],
  ['macOS', /Mac OS X/],
  ['Android', /Android/],
  ['iOS', /iPhone|iPad/],
  ['统信 UOS', /UOS/],
  ['Linux', /Linux/],
];

export function describeBrowser(userAgent: string): string {
  const browser = BROWSERS.find(([, pattern]) => pattern.test(userAgent));
  const version = browser ? browser[1].exec(userAgent)?.[1] : undefined;
  const system = SYSTEMS.find(([, pattern]) => pattern.test(userAgent))?.[0];
  const name = browser ? `${browser[0]}${version ? ` ${version}` : ''}` : '未知浏览器';
  return system ? `${name} · ${system}` : name;
}

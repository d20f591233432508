/**
 * Where signing in leads: back to the page that sent the student (我的发票, 我的…), or 账单缴费.
 * The login page finds that page on WeChat's page stack; the first sign-in and the new-WeChat check
 * (pages/setup) receive it in their query as `back`, and accept only a page of this mini program,
 * so a crafted link cannot send a student anywhere else after they have signed in.
 */
import { decodeQueryValue } from './form';

const BILLS_ROUTE = 'pages/bills/index';

/** app.json's tab bar: only wx.switchTab reaches these. */
const TAB_ROUTES: ReadonlySet<string> = new Set([BILLS_ROUTE, 'pages/mine/index']);

/** The student pages a sign-in may return to (app.json, less the sign-in pages and the staff package). */
export const RETURN_ROUTES: ReadonlySet<string> = new Set([
  ...TAB_ROUTES,
  'pages/verify/index',
  'package-account/pages/password/index',
  'package-receipts/pages/receipts/index',
  'package-receipts/pages/verify/index',
]);

/** The pages of signing in itself, stacked above the page that sent the student. */
const SIGN_IN_ROUTES: ReadonlySet<string> = new Set(['pages/login/index', 'package-account/pages/setup/index', 'package-account/pages/forgot/index']);

/** The query name that carries the page to return to from the login page to pages/setup. */
export const RETURN_QUERY = 'back';

/** How many sign-in pages sit on top of the stack, the current page included. */
function signInDepth(stack: readonly { route: string }[]): number {
  let depth = 0;
  while (depth < stack.length && SIGN_IN_ROUTES.has(stack[stack.length - 1 - depth]!.route)) depth += 1;
  return depth;
}

/** One of {@link RETURN_ROUTES}, as a route (`pages/mine/index`) or a path (`/pages/mine/index`); null for anything else. */
export function returnRouteFrom(value: string | undefined): string | null {
  const route = decodeQueryValue(value).trim().replace(/^\//, '');
  return RETURN_ROUTES.has(route) ? route : null;
}

/** The page below the sign-in pages, when it is one a sign-in may return to; null when there is none. */
export function senderRoute(): string | null {
  const stack = getCurrentPages();
  const depth = signInDepth(stack);
  return depth < stack.length ? returnRouteFrom(stack[stack.length - 1 - depth]!.route) : null;
}

/** `back=…` for the next sign-in page's URL; '' when there is nothing to return to. */
export function returnQueryFor(route: string | null): string {
  return route ? `${RETURN_QUERY}=${encodeURIComponent(`/${route}`)}` : '';
}

/**
 * Signed in: to `route`, or 账单缴费 without one. Back down the stack when `route` is the page
 * right below the sign-in pages (it refreshes as it shows, and no second copy of it is stacked);
 * otherwise wx.switchTab for a tab page and wx.redirectTo for any other.
 */
export function returnAfterSignIn(route: string | null): void {
  const target = route ?? BILLS_ROUTE;
  const stack = getCurrentPages();
  const depth = signInDepth(stack);
  if (route && depth > 0 && depth < stack.length && stack[stack.length - 1 - depth]!.route === route) {
    wx.navigateBack({ delta: depth });
  } else if (TAB_ROUTES.has(target)) {
    wx.switchTab({ url: `/${target}` });
  } else {
    wx.redirectTo({ url: `/${target}` });
  }
}

/**
 * The console session token lives in sessionStorage: it ends with the browser tab, is never sent
 * by the browser on its own (no cookie), and is not shared with other tabs or kept on disk after
 * the tab closes, as localStorage would.
 */
const TOKEN_KEY = 'zhjf-console-token';

export function readToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string): void {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: there is nothing to clear.
  }
}

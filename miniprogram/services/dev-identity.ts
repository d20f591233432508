/**
 * The local cloud trusts the caller's stated openid. Each device (each DevTools simulator) makes
 * one up the first time and keeps it, so two simulators act as two WeChat accounts.
 */
const STORAGE_KEY = 'zhjf.devOpenid';

function randomHex(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}

export function getDevOpenid(): string {
  const stored: unknown = wx.getStorageSync(STORAGE_KEY);
  if (typeof stored === 'string' && stored.length > 0) return stored;
  const openid = `dev-${randomHex(24)}`;
  wx.setStorageSync(STORAGE_KEY, openid);
  return openid;
}

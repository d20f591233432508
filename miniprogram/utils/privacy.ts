/**
 * Opens WeChat's page for the mini program's privacy guide (隐私保护指引), or says why it cannot:
 * the link is never a silent dead end.
 */
export function openPrivacyGuide(): void {
  if (typeof wx.openPrivacyContract !== 'function') {
    wx.showToast({ title: '当前微信版本无法打开隐私保护指引，请升级微信后再试', icon: 'none' });
    return;
  }
  wx.openPrivacyContract({
    fail() {
      wx.showToast({ title: '暂时无法打开隐私保护指引', icon: 'none' });
    },
  });
}

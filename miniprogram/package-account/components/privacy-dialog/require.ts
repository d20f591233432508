/**
 * Asks WeChat whether the student has agreed to the privacy guide, showing the privacy dialog
 * (the privacy-dialog component on the page) when not yet. Resolves true when agreed; false when
 * refused, so the page can explain what needs it and offer to ask again. On base libraries without
 * the privacy APIs there is nothing to agree to.
 */
export function requirePrivacy(): Promise<boolean> {
  return new Promise((resolve) => {
    if (typeof wx.requirePrivacyAuthorize !== 'function') {
      resolve(true);
      return;
    }
    wx.requirePrivacyAuthorize({
      success: () => resolve(true),
      fail: () => resolve(false),
    });
  });
}

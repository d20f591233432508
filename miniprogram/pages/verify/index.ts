/**
 * The address in receipts' QR codes (the receipts feature's VERIFY_PAGE_PATH): receipts already
 * issued carry it for good, so it stays in the main package and hands over, query and all, to
 * 票据查验 in the receipts subpackage. Query values go on as WeChat gave them (`q` is the scanned
 * link, still encoded), so the verify page reads them exactly as if it had been opened directly.
 */
const VERIFY_URL = '/package-receipts/pages/verify/index';

function forwardUrl(options: Record<string, string | undefined>): string {
  const query = Object.entries(options)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return query ? `${VERIFY_URL}?${query}` : VERIFY_URL;
}

Component({
  data: {
    failed: false,
    url: VERIFY_URL,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      this.setData({ url: forwardUrl(options ?? {}) });
      this.forward();
    },

    forward() {
      wx.redirectTo({
        url: this.data.url,
        // The subpackage could not be downloaded (no network): say so and offer to try again.
        fail: () => this.setData({ failed: true }),
      });
    },

    onRetryTap() {
      this.setData({ failed: false });
      this.forward();
    },
  },
});

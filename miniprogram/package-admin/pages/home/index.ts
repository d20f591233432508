import { errorMessage, getSessionStatus } from '../../../services/index';
import { formatShanghai } from '../../../utils/date';

/** 'not-staff': this WeChat account is not active finance staff. */
type ViewState = 'loading' | 'staff' | 'not-staff' | 'error';

/**
 * 财务管理 home (subpackage). For 计划财务处 staff, whose work is done in the finance console on a
 * desktop PC: the page explains how to sign in to it by scanning, and whether this WeChat account
 * is staff. It only hides and explains; every admin action is checked by the server.
 */
Component({
  data: {
    state: 'loading' as ViewState,
    serverTime: '',
    errorText: '',
  },

  methods: {
    onLoad() {
      void this.refresh();
    },

    async refresh() {
      try {
        const status = await getSessionStatus();
        this.setData({
          state: status.staff ? 'staff' : 'not-staff',
          serverTime: formatShanghai(status.serverTime, 'YYYY-MM-DD HH:mm:ss'),
          errorText: '',
        });
      } catch (error) {
        this.setData({ state: 'error', errorText: errorMessage(error) });
      }
    },

    onRetryTap() {
      this.setData({ state: 'loading', errorText: '' });
      void this.refresh();
    },
  },
});

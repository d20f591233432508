import { cancelSignIn, confirmSignIn, describeSignIn, errorMessage, isServiceError, type ServiceErrorCode } from '../../../services/index';
import { formatShanghai } from '../../../utils/date';
import { sceneFromOptions } from '../../scene';

/**
 * missing: not opened from a console code; ready: the request is shown for 确认登录 or 取消;
 * stale: the code on the screen can no longer sign in (expired, used, cancelled);
 * not-staff: this WeChat account is not active finance staff.
 */
type ViewState = 'missing' | 'loading' | 'ready' | 'confirmed' | 'cancelled' | 'stale' | 'not-staff' | 'error';
type Busy = '' | 'confirm' | 'cancel';

const STALE_CODES: readonly ServiceErrorCode[] = ['SIGN_IN_EXPIRED', 'SIGN_IN_USED', 'SIGN_IN_CANCELLED'];

/** How a failed call changes the page; `otherwise` is where any other failure leaves it. */
function afterFailure(error: unknown, otherwise: 'ready' | 'error'): { state: ViewState; errorText: string } {
  if (isServiceError(error) && error.code === 'FORBIDDEN') return { state: 'not-staff', errorText: '' };
  if (isServiceError(error) && STALE_CODES.includes(error.code)) return { state: 'stale', errorText: error.message };
  return { state: otherwise, errorText: errorMessage(error) };
}

/**
 * 确认登录财务管理后台: opened by scanning the code on the console's sign-in page (scene = the
 * sign-in ticket). Shows which browser asks and when, so that a staff member notices a sign-in that
 * is not their own; the server checks that this WeChat account is active staff.
 */
Component({
  data: {
    state: 'loading' as ViewState,
    ticket: '',
    browser: '',
    requestedAt: '',
    expiresAt: '',
    errorText: '',
    busy: '' as Busy,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      const ticket = sceneFromOptions(options);
      if (!ticket) {
        this.setData({ state: 'missing' });
        return;
      }
      this.setData({ ticket });
      void this.load();
    },

    async load() {
      this.setData({ state: 'loading', errorText: '' });
      try {
        const request = await describeSignIn(this.data.ticket);
        this.setData({
          state: 'ready',
          browser: request.browser,
          requestedAt: formatShanghai(request.requestedAt, 'YYYY-MM-DD HH:mm:ss'),
          expiresAt: formatShanghai(request.expiresAt, 'HH:mm:ss'),
        });
      } catch (error) {
        this.setData(afterFailure(error, 'error'));
      }
    },

    onRetryTap() {
      void this.load();
    },

    async onConfirmTap() {
      if (this.data.busy !== '') return;
      this.setData({ busy: 'confirm', errorText: '' });
      try {
        await confirmSignIn(this.data.ticket);
        this.setData({ state: 'confirmed', busy: '' });
      } catch (error) {
        this.setData({ busy: '', ...afterFailure(error, 'ready') });
      }
    },

    async onCancelTap() {
      if (this.data.busy !== '') return;
      this.setData({ busy: 'cancel', errorText: '' });
      try {
        await cancelSignIn(this.data.ticket);
        this.setData({ state: 'cancelled', busy: '' });
      } catch (error) {
        this.setData({ busy: '', ...afterFailure(error, 'ready') });
      }
    },
  },
});

import { acceptInvitation, describeInvitation, errorMessage, isServiceError, type ServiceErrorCode } from '../../../services/index';
import { formatShanghai } from '../../../utils/date';
import { sceneFromOptions } from '../../scene';

/**
 * missing: not opened from an invitation code; ready: the invitation is shown for 接受邀请;
 * refused: the invitation cannot be accepted (the server's message says why).
 */
type ViewState = 'missing' | 'loading' | 'ready' | 'joined' | 'refused' | 'error';

const JOIN_TITLE = '加入计划财务处';
const FIRST_ADMIN_TITLE = '设置首位管理员';

/** The invitation cannot be accepted: the server's message says why. */
const REFUSED: readonly ServiceErrorCode[] = ['INVITATION_EXPIRED', 'INVITATION_USED', 'ALREADY_STAFF', 'FIRST_ADMIN_EXISTS', 'NOT_FOUND'];

/** What to do next, where the message leaves it open. */
const NEXT_STEPS: Partial<Record<ServiceErrorCode, string>> = {
  INVITATION_USED: '如果是你本人接受的，可直接在电脑上扫码登录财务管理后台；否则请联系管理员。',
  ALREADY_STAFF: '可直接在电脑上扫码登录财务管理后台。',
};

function afterFailure(error: unknown, otherwise: 'ready' | 'error'): { state: ViewState; errorText: string; nextStep: string } {
  if (isServiceError(error) && REFUSED.includes(error.code)) {
    return { state: 'refused', errorText: error.message, nextStep: NEXT_STEPS[error.code] ?? '' };
  }
  return { state: otherwise, errorText: errorMessage(error), nextStep: '' };
}

/**
 * 加入计划财务处: opened by scanning the invitation code an administrator made in the console
 * (scene = the invitation id). Shows who is invited and in which role; 接受邀请 makes this WeChat
 * account that staff member. The environment's first administrator joins the same way.
 */
Component({
  data: {
    state: 'loading' as ViewState,
    invitationId: '',
    title: JOIN_TITLE,
    firstAdmin: false,
    name: '',
    roleLabel: '',
    roleDuties: '',
    expiresAt: '',
    errorText: '',
    nextStep: '',
    busy: false,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      const invitationId = sceneFromOptions(options);
      if (!invitationId) {
        this.setData({ state: 'missing' });
        return;
      }
      this.setData({ invitationId });
      void this.load();
    },

    async load() {
      this.setData({ state: 'loading', errorText: '', nextStep: '' });
      try {
        const invitation = await describeInvitation(this.data.invitationId);
        const title = invitation.firstAdmin ? FIRST_ADMIN_TITLE : JOIN_TITLE;
        this.setData({
          state: 'ready',
          title,
          firstAdmin: invitation.firstAdmin,
          name: invitation.name,
          roleLabel: invitation.roleLabel,
          roleDuties: invitation.roleDuties,
          expiresAt: formatShanghai(invitation.expiresAt, 'YYYY-MM-DD HH:mm'),
        });
        wx.setNavigationBarTitle({ title });
      } catch (error) {
        this.setData(afterFailure(error, 'error'));
      }
    },

    onRetryTap() {
      void this.load();
    },

    async onAcceptTap() {
      if (this.data.busy) return;
      this.setData({ busy: true, errorText: '' });
      try {
        const staff = await acceptInvitation(this.data.invitationId);
        this.setData({ state: 'joined', busy: false, name: staff.name, roleLabel: staff.roleLabel });
      } catch (error) {
        this.setData({ busy: false, ...afterFailure(error, 'ready') });
      }
    },
  },
});

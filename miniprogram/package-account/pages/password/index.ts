import { errorMessage, isSignedOut } from '../../../services/index';
import { changePassword, getProfile } from '../../../services/auth';
import { submitNewPassword, textFields } from '../../../utils/form';

const LOGIN_URL = '/pages/login/index';

const fields = textFields(['oldPassword', 'newPassword', 'confirmPassword']);

/** The rules as the server sends them: loading, listed, or a failure with 重试. */
type RulesState = 'loading' | 'ready' | 'error';

/** 修改密码 (from 我的): the current password, then the new one twice, under the server's rules. */
Component({
  data: {
    ...fields.data,
    rules: [] as string[],
    rulesState: 'loading' as RulesState,
    rulesError: '',
    errorText: '',
    busy: false,
  },

  methods: {
    ...fields.handlers,

    onLoad() {
      void this.loadRules();
    },

    /** The rules the server applies, the same list the first sign-in and 忘记密码 show. */
    async loadRules() {
      this.setData({ rulesState: 'loading', rulesError: '' });
      try {
        const profile = await getProfile();
        this.setData({ rules: [...profile.passwordRules], rulesState: 'ready' });
      } catch (error) {
        if (isSignedOut(error)) wx.redirectTo({ url: LOGIN_URL });
        else this.setData({ rulesState: 'error', rulesError: errorMessage(error) });
      }
    },

    onRulesRetryTap() {
      void this.loadRules();
    },

    async onSubmitTap() {
      const { oldPassword } = this.data;
      if (!oldPassword) {
        this.setData({ errorText: '请输入当前密码' });
        return;
      }
      await submitNewPassword(
        this,
        async (newPassword, confirmPassword) => {
          await changePassword(oldPassword, newPassword, confirmPassword);
          this.setData({ oldPassword: '', newPassword: '', confirmPassword: '' });
          wx.showToast({ title: '密码已修改', icon: 'success' });
          wx.navigateBack({ delta: 1 });
        },
        {
          onError: (error) => {
            if (isSignedOut(error)) wx.redirectTo({ url: LOGIN_URL });
            else this.setData({ errorText: errorMessage(error) });
          },
        },
      );
    },
  },
});

import { errorMessage, isServiceError } from '../../services/index';
import { changePassword } from '../../services/auth';
import { type InputEvent, newPasswordPairProblem } from '../../utils/form';

const LOGIN_URL = '/pages/login/index';

const RULES = ['至少 8 位', '不能是初始密码（证件号后 8 位）', '不能包含证件号或学号中连续 6 位', '不能是常见密码（如 12345678、生日、键盘连续字母）'];

/** 修改密码 (from 我的): the current password, then the new one twice. */
Component({
  data: {
    oldPassword: '',
    newPassword: '',
    confirmPassword: '',
    rules: RULES,
    errorText: '',
    busy: false,
  },

  methods: {
    onOldPasswordChange(event: InputEvent) {
      this.setData({ oldPassword: event.detail.value ?? '', errorText: '' });
    },

    onNewPasswordChange(event: InputEvent) {
      this.setData({ newPassword: event.detail.value ?? '', errorText: '' });
    },

    onConfirmPasswordChange(event: InputEvent) {
      this.setData({ confirmPassword: event.detail.value ?? '', errorText: '' });
    },

    async onSubmitTap() {
      if (this.data.busy) return;
      const { oldPassword, newPassword, confirmPassword } = this.data;
      if (!oldPassword) {
        this.setData({ errorText: '请输入当前密码' });
        return;
      }
      const pairProblem = newPasswordPairProblem(newPassword, confirmPassword);
      if (pairProblem) {
        this.setData({ errorText: pairProblem });
        return;
      }
      this.setData({ busy: true, errorText: '' });
      try {
        await changePassword(oldPassword, newPassword, confirmPassword);
        this.setData({ oldPassword: '', newPassword: '', confirmPassword: '' });
        wx.showToast({ title: '密码已修改', icon: 'success' });
        wx.navigateBack({ delta: 1 });
      } catch (error) {
        if (isServiceError(error) && error.code === 'UNAUTHENTICATED') {
          wx.redirectTo({ url: LOGIN_URL });
          return;
        }
        this.setData({ errorText: errorMessage(error) });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});

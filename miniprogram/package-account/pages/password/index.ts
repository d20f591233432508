import { errorMessage, isSignedOut } from '../../../services/index';
import { changePassword } from '../../../services/auth';
import { submitNewPassword, textFields } from '../../../utils/form';

const LOGIN_URL = '/pages/login/index';

const fields = textFields(['oldPassword', 'newPassword', 'confirmPassword']);

const RULES = ['至少 8 位', '不能是初始密码（证件号后 8 位）', '不能包含证件号或学号中连续 6 位', '不能是常见密码（如 12345678、生日、键盘连续字母）'];

/** 修改密码 (from 我的): the current password, then the new one twice. */
Component({
  data: {
    ...fields.data,
    rules: RULES,
    errorText: '',
    busy: false,
  },

  methods: {
    ...fields.handlers,

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

/**
 * The mini program's one configuration file.
 *
 * - transport 'local': calls go over wx.request to the local cloud (`npm start`), which serves the
 *   same cloud functions on this machine. In WeChat DevTools tick 「不校验合法域名」 so that
 *   wx.request may reach 127.0.0.1.
 * - transport 'cloud': calls go to WeChat Cloud Development (wx.cloud.callFunction) in `cloudEnvId`.
 */

export type Transport = 'local' | 'cloud';

export interface HelpLine {
  /** Who answers, as the university's payment guide names them. */
  readonly label: string;
  /** The number as printed, e.g. 0535-6916496. */
  readonly phone: string;
  /** What to call it for, as the guide says (a number alone does not tell a student whom to call). */
  readonly purpose: string;
}

export interface AppConfig {
  transport: Transport;
  /** Cloud Development environment id (transport 'cloud'). */
  cloudEnvId: string;
  /** Base URL of the local cloud (transport 'local'), without a trailing slash. */
  localCloudBaseUrl: string;
  /** Timeout of one back-end call, in milliseconds. */
  requestTimeoutMs: number;
  /** 帮助与客服: shown on 我的, tap to call. */
  helpLines: readonly HelpLine[];
  /**
   * Template id of the 缴费成功 subscribe message (公众平台 → 订阅消息), asked for on 立即支付. The
   * same id goes into the pay functions' PAY_SUCCESS_TEMPLATE_ID; empty: not asked.
   */
  paySuccessTemplateId: string;
  /**
   * Template id of the 退款结果 subscribe message, asked for on 立即支付 in the same prompt as
   * 缴费成功. The same id goes into REFUND_RESULT_TEMPLATE_ID of the functions that finish refunds;
   * empty: not asked.
   */
  refundResultTemplateId: string;
  /**
   * Template id of the 缴费提醒 subscribe message, asked for by 截止前提醒我 on 账单缴费. The same id
   * goes into the bills function's DEADLINE_REMINDER_TEMPLATE_ID; empty: the button says reminders
   * cannot be turned on.
   */
  deadlineReminderTemplateId: string;
}

export const config: AppConfig = {
  transport: 'local',
  cloudEnvId: 'replace-with-your-env-id',
  localCloudBaseUrl: 'http://127.0.0.1:3000',
  requestTimeoutMs: 15000,
  helpLines: [
    { label: '客服', phone: '400-651-1512', purpose: '缴费时遇到问题（如无法支付、支付后状态未更新）' },
    { label: '计划财务处收费管理科', phone: '0535-6916496', purpose: '缴费时遇到问题；领取激活码、重置账号' },
    { label: '继续教育学院综合管理科', phone: '0535-6913139', purpose: '对收费项目或金额有疑问' },
  ],
  paySuccessTemplateId: 'local-pay-success-template',
  refundResultTemplateId: 'local-refund-result-template',
  deadlineReminderTemplateId: 'local-deadline-reminder-template',
};

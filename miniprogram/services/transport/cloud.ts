import { config } from '../../config/index';
import { NETWORK_MESSAGE, ServiceError } from '../errors';
import type { Transport } from './types';

let initialised = false;

function ensureInit(): void {
  if (initialised) return;
  if (!wx.cloud) {
    throw new ServiceError('NETWORK', '当前微信版本过低，请升级后重试', { reason: 'wx.cloud unavailable' });
  }
  wx.cloud.init({ env: config.cloudEnvId, traceUser: true });
  initialised = true;
}

/** WeChat Cloud Development: wx.cloud.callFunction; the function's return value is `res.result`. */
export const cloudTransport: Transport = {
  async call(functionName, event) {
    ensureInit();
    try {
      const res = await wx.cloud.callFunction({ name: functionName, data: event });
      return res.result;
    } catch (error) {
      const errMsg = typeof error === 'object' && error !== null ? (error as { errMsg?: unknown }).errMsg : undefined;
      throw new ServiceError('NETWORK', NETWORK_MESSAGE, { errMsg: typeof errMsg === 'string' ? errMsg : String(error) });
    }
  },
};

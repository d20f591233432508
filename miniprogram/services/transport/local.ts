import { config } from '../../config/index';
import { NETWORK_MESSAGE, ServiceError, TIMEOUT_MESSAGE, UNAVAILABLE_MESSAGE } from '../errors';
import { getDevOpenid } from '../dev-identity';
import type { Transport } from './types';

/**
 * The local cloud: `POST <base>/functions/<name>` with the event as the JSON body and the caller's
 * openid in `x-wx-openid`; it answers 200 with the function's return value.
 */
export const localTransport: Transport = {
  call(functionName, event) {
    const url = `${config.localCloudBaseUrl.replace(/\/+$/, '')}/functions/${encodeURIComponent(functionName)}`;
    return new Promise<unknown>((resolve, reject) => {
      wx.request({
        url,
        method: 'POST',
        data: event,
        dataType: 'json',
        timeout: config.requestTimeoutMs,
        header: { 'content-type': 'application/json', 'x-wx-openid': getDevOpenid() },
        success(res) {
          if (res.statusCode < 200 || res.statusCode >= 300) {
            reject(new ServiceError('NETWORK', UNAVAILABLE_MESSAGE, { status: res.statusCode }));
            return;
          }
          resolve(res.data);
        },
        fail(err) {
          const timedOut = /timeout/i.test(err.errMsg);
          reject(new ServiceError('NETWORK', timedOut ? TIMEOUT_MESSAGE : NETWORK_MESSAGE, { errMsg: err.errMsg }));
        },
      });
    });
  },
};

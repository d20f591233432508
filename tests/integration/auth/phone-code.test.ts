/**
 * The getPhoneNumber code: single use, 5 minutes — through the genuine wx-server-sdk and the local
 * phone sandbox, answering as WeChat does in production.
 */
import cloudSdk from 'wx-server-sdk';
import { expectError, expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-phone', (cloud) => (c = cloud));

/** A student at the last step of the first sign-in on `openid`. */
async function atPhoneStep(openid: string) {
  const student = await c.addStudent();
  await c.atPhoneStep(student, openid);
  return student;
}

const sdkOpenapi = () =>
  (cloudSdk as unknown as { openapi: { phonenumber: { getPhoneNumber(o: { code: string }): Promise<Record<string, unknown>> } } }).openapi;
const getPhoneNumber = (code: string) => sdkOpenapi().phonenumber.getPhoneNumber({ code });

describe('the getPhoneNumber code', () => {
  it('works once: a code used to verify cannot be used again, by anyone', async () => {
    const phone = makePhone();
    const code = c.phoneCode(phone);
    const first = newOpenid();
    await atPhoneStep(first);
    expectOk(await c.auth(first, 'setupPhone', { phoneCode: code }));

    const second = newOpenid();
    await atPhoneStep(second);
    const refused = expectError(await c.auth(second, 'setupPhone', { phoneCode: code }), 'PHONE_CODE_USED');
    expect(refused.message).toBe('这次手机号授权已经使用过，请重新点击获取手机号');
    // A fresh code from the button works (for a number no other student has).
    expectOk(await c.auth(second, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }));
  });

  it('expires after 5 minutes', async () => {
    const openid = newOpenid();
    await atPhoneStep(openid);
    const phone = makePhone();
    const stale = c.phoneCode(phone);
    c.t.cloud.clock.advance(5 * 60_000 + 1000);
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: stale }), 'PHONE_CODE_INVALID');
    const fresh = c.phoneCode(phone);
    c.t.cloud.clock.advance(4 * 60_000);
    expectOk(await c.auth(openid, 'setupPhone', { phoneCode: fresh }));
  });

  it('a code WeChat says was already used (40163) gets its own message', async () => {
    const openid = newOpenid();
    await atPhoneStep(openid);
    const code = c.phoneCode(makePhone());
    // Exchanged somewhere else first (only WeChat knows).
    await getPhoneNumber(code);
    const refused = expectError(await c.auth(openid, 'setupPhone', { phoneCode: code }), 'PHONE_CODE_USED');
    expect(refused.message).toBe('这次手机号授权已经使用过，请重新点击获取手机号');
    expectOk(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }));
  });

  it('a made-up code is refused', async () => {
    const openid = newOpenid();
    await atPhoneStep(openid);
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: 'not-a-code-from-wechat' }), 'PHONE_CODE_INVALID');
  });
});

describe('phonenumber.getPhoneNumber as the SDK sees it', () => {
  it('returns phoneInfo the way production does, then 40163 (code been used) for the same code', async () => {
    const phone = makePhone();
    const code = c.phoneCode(phone);
    const openapi = (cloudSdk as unknown as { openapi: { phonenumber: { getPhoneNumber(o: { code: string }): Promise<Record<string, unknown>> } } }).openapi;
    const res = await openapi.phonenumber.getPhoneNumber({ code });
    expect(res).toEqual({
      phoneInfo: {
        phoneNumber: phone,
        purePhoneNumber: phone,
        countryCode: '86',
        watermark: { timestamp: expect.any(Number), appid: c.t.cloud.appid },
      },
      errCode: 0,
      errMsg: 'openapi.phonenumber.getPhoneNumber:ok',
    });
    const watermark = (res.phoneInfo as { watermark: { timestamp: number } }).watermark;
    expect(Math.abs(watermark.timestamp * 1000 - c.t.cloud.clock.nowMs())).toBeLessThan(5000);

    await expect(openapi.phonenumber.getPhoneNumber({ code })).rejects.toMatchObject({
      errCode: 40163,
      errMsg: expect.stringMatching(/^openapi\.phonenumber\.getPhoneNumber:fail code been used/),
    });
    // An unknown code is 40029 (invalid code).
    await expect(openapi.phonenumber.getPhoneNumber({ code: 'never-issued' })).rejects.toMatchObject({
      errCode: 40029,
      errMsg: expect.stringMatching(/^openapi\.phonenumber\.getPhoneNumber:fail invalid code/),
    });
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});

import { v, docId } from '../../../cloudfunctions/shared/kernel/validate';

describe('request validation', () => {
  const createOrder = v.object({
    billIds: v.array(docId(), { min: 1, max: 50, unique: true }),
    email: v.string({ max: 100, pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/ }),
    note: v.optional(v.string({ max: 20 })),
  });

  it('accepts a well-formed request and trims text', () => {
    expect(createOrder.parse({ billIds: ['b1', 'b2'], email: ' a@b.cn ' })).toEqual({ ok: true, value: { billIds: ['b1', 'b2'], email: 'a@b.cn' } });
  });

  it('refuses a smuggled field such as an amount, naming it', () => {
    expect(createOrder.parse({ billIds: ['b1'], email: 'a@b.cn', totalFee: 1 })).toEqual({
      ok: false,
      issue: { path: 'totalFee', message: '不支持的字段 totalFee' },
    });
  });

  it('says which field is wrong and why, in Chinese', () => {
    expect(createOrder.parse({ billIds: [], email: 'a@b.cn' })).toMatchObject({ ok: false, issue: { path: 'billIds', message: '字段 billIds不能为空' } });
    expect(createOrder.parse({ billIds: ['b1', 'b1'], email: 'a@b.cn' })).toMatchObject({ ok: false, issue: { message: '字段 billIds有重复项' } });
    expect(createOrder.parse({ billIds: ['b/../x'], email: 'a@b.cn' })).toMatchObject({ ok: false, issue: { path: 'billIds[0]' } });
    expect(createOrder.parse({ billIds: ['b1'], email: 'not-an-email' })).toMatchObject({ ok: false, issue: { path: 'email', message: '字段 email格式不正确' } });
    expect(createOrder.parse('nope')).toMatchObject({ ok: false, issue: { message: '请求应为对象' } });
  });

  it('treats optional fields as optional and checks them when present', () => {
    expect(createOrder.parse({ billIds: ['b1'], email: 'a@b.cn', note: 'x'.repeat(21) })).toMatchObject({ ok: false, issue: { path: 'note' } });
  });

  it('accepts only safe integers for integers', () => {
    const amount = v.integer({ min: 0 });
    expect(amount.parse(12.5)).toMatchObject({ ok: false });
    expect(amount.parse(-1)).toMatchObject({ ok: false });
    expect(amount.parse(320000)).toEqual({ ok: true, value: 320000 });
  });
});

describe('request validation: keys that are not fields', () => {
  const signIn = v.object({ account: v.string({ max: 20 }), password: v.string({ max: 64 }) });

  it('refuses names every object inherits (constructor, toString) like any unknown field', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(signIn.parse({ account: '20240001', password: 'pw-123456', [key]: 1 })).toEqual({
        ok: false,
        issue: { path: key, message: `不支持的字段 ${key}` },
      });
    }
  });

  it('refuses a __proto__ key, and never reads a field through the prototype', () => {
    // JSON.parse makes __proto__ an own key, as the platform's event parser does.
    const smuggled = JSON.parse('{"account":"20240001","__proto__":{"password":"pw-123456"}}') as unknown;
    expect(signIn.parse(smuggled)).toMatchObject({ ok: false, issue: { path: '__proto__' } });
    const inherited = Object.assign(Object.create({ password: 'pw-123456' }) as object, { account: '20240001' });
    expect(signIn.parse(inherited)).toMatchObject({ ok: false, issue: { path: 'password', message: '字段 password应为文本' } });
  });

  it('names an unknown key by its first 64 characters only', () => {
    const key = 'k'.repeat(500_000);
    const parsed = signIn.parse({ account: '20240001', password: 'pw-123456', [key]: 1 });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issue.path.length).toBeLessThanOrEqual(65);
    expect(parsed.issue.message.length).toBeLessThanOrEqual(80);
    expect(parsed.issue.path.startsWith('k'.repeat(64))).toBe(true);
  });
});

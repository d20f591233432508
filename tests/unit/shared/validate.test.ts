import { v, docId } from '../../../cloudfunctions/shared/contracts/validate';

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

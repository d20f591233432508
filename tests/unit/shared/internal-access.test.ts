/**
 * Internal actions name the functions that may call them; the names must be real functions, and
 * the proof a caller signs must survive the trip (JSON, keys in any order) and nothing else.
 */
import { CONTRACTS } from '../../../cloudfunctions/shared/contracts';
import { FUNCTION_IDS, type Access } from '../../../cloudfunctions/shared/kernel/contract';
import {
  INTERNAL_CALL_SECRET_ENV,
  internalCallSecret,
  signInternalCall,
  verifyInternalCall,
} from '../../../cloudfunctions/shared/runtime/internal-calls';
import { listFunctionNames } from '../../../local/functions';

const internalActions = Object.entries(CONTRACTS).flatMap(([fn, contract]) =>
  Object.entries(contract as Record<string, { access: Access }>)
    .filter(([, spec]) => spec.access.kind === 'internal')
    .map(([action, spec]) => ({ fn, action, callers: (spec.access as Extract<Access, { kind: 'internal' }>).callers })),
);

describe('internal actions', () => {
  it('every deployable function has a name the contracts can list', () => {
    for (const name of listFunctionNames()) expect(FUNCTION_IDS).toContain(name);
  });

  it('list only functions that exist, and never the function itself', () => {
    const deployed = listFunctionNames();
    expect(internalActions.length).toBeGreaterThan(0);
    for (const { fn, callers } of internalActions) {
      expect(callers.length).toBeGreaterThan(0);
      for (const caller of callers) expect(deployed).toContain(caller);
      expect(callers).not.toContain(fn);
    }
  });

  it('receipts are issued only for the payment functions and the console (确认已缴费 of a case), voided only for the payment functions', () => {
    const of = (action: string) => internalActions.find((a) => a.fn === 'receipts' && a.action === action)?.callers;
    expect(of('issue')).toEqual(['pay', 'payNotify', 'paymentsSweep', 'admin']);
    expect(of('void')).toEqual(['pay', 'payNotify', 'paymentsSweep']);
    expect(of('issueMissing')).toEqual(['paymentsSweep']);
  });
});

describe('the proof of the calling function', () => {
  const secret = 's'.repeat(40);
  const at = new Date('2026-03-01T01:00:00Z');
  const request = { orderId: 'ord1', options: { b: 1, a: [1, { y: 2, x: 1 }] } };
  const proof = signInternalCall({ caller: 'payNotify', callee: 'receipts', action: 'issue', request, at, secret });
  const check = (overrides: Partial<Parameters<typeof verifyInternalCall>[0]> = {}) =>
    verifyInternalCall({ proof, callee: 'receipts', action: 'issue', request, allowedCallers: ['payNotify'], at, secret, ...overrides });

  it('holds for the same request however its keys are ordered on the way', () => {
    const reordered = JSON.parse('{"options":{"a":[1,{"x":1,"y":2}],"b":1},"orderId":"ord1"}') as unknown;
    expect(check({ request: reordered })).toEqual({ ok: true, caller: 'payNotify' });
  });

  it('fails for another request, callee, action, key or caller list', () => {
    expect(check({ request: { ...request, orderId: 'ord2' } })).toMatchObject({ ok: false });
    expect(check({ callee: 'bills' })).toMatchObject({ ok: false });
    expect(check({ action: 'void' })).toMatchObject({ ok: false });
    expect(check({ secret: 't'.repeat(40) })).toMatchObject({ ok: false });
    expect(check({ allowedCallers: ['pay', 'paymentsSweep'] })).toMatchObject({ ok: false });
    expect(check({ proof: { ...proof, caller: 'pay' }, allowedCallers: ['pay'] })).toMatchObject({ ok: false });
    expect(check({ proof: undefined })).toMatchObject({ ok: false });
  });

  it('is good for a minute', () => {
    expect(check({ at: new Date(at.getTime() + 59_000) })).toMatchObject({ ok: true });
    expect(check({ at: new Date(at.getTime() + 61_000) })).toMatchObject({ ok: false });
    expect(check({ at: new Date(at.getTime() - 60_000) })).toMatchObject({ ok: false });
  });

  it('needs a shared secret of at least 32 characters, and says which variable', () => {
    expect(() => internalCallSecret({})).toThrow(INTERNAL_CALL_SECRET_ENV);
    expect(() => internalCallSecret({ [INTERNAL_CALL_SECRET_ENV]: 'short' })).toThrow(/太短/);
    expect(internalCallSecret({ [INTERNAL_CALL_SECRET_ENV]: secret })).toBe(secret);
  });
});

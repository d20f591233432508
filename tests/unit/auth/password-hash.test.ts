import { configuredScryptParams, hashPassword, OWASP_SCRYPT, verifyPassword } from '../../../cloudfunctions/shared/students/password-hash';

const FAST = { logN: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('uses scrypt at OWASP parameters by default, and such a hash verifies', async () => {
    expect(configuredScryptParams({})).toEqual({ logN: 17, r: 8, p: 1 });
    const stored = await hashPassword('Qiming#2025', OWASP_SCRYPT);
    expect(stored).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(stored).not.toContain('Qiming');
    await expect(verifyPassword('Qiming#2025', stored, OWASP_SCRYPT)).resolves.toEqual({ ok: true, needsRehash: false });
  });

  it('refuses a wrong password and a malformed hash', async () => {
    const stored = await hashPassword('Qiming#2025', FAST);
    await expect(verifyPassword('qiming#2025', stored, FAST)).resolves.toEqual({ ok: false, needsRehash: false });
    await expect(verifyPassword('Qiming#2025', 'plain-text', FAST)).resolves.toEqual({ ok: false, needsRehash: false });
    await expect(verifyPassword('Qiming#2025', stored.replace('ln=10', 'ln=40'), FAST)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('verifies a hash made at another cost and asks for an upgrade when it was cheaper', async () => {
    const cheap = await hashPassword('Qiming#2025', FAST);
    await expect(verifyPassword('Qiming#2025', cheap, { logN: 12, r: 8, p: 1 })).resolves.toEqual({ ok: true, needsRehash: true });
    await expect(verifyPassword('wrong', cheap, { logN: 12, r: 8, p: 1 })).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it('reads the cost from PASSWORD_SCRYPT_LOG_N and refuses a nonsensical one', () => {
    expect(configuredScryptParams({ PASSWORD_SCRYPT_LOG_N: '12' })).toEqual({ logN: 12, r: 8, p: 1 });
    expect(() => configuredScryptParams({ PASSWORD_SCRYPT_LOG_N: '4' })).toThrow(/PASSWORD_SCRYPT_LOG_N/);
    expect(() => configuredScryptParams({ PASSWORD_SCRYPT_LOG_N: 'fast' })).toThrow(/PASSWORD_SCRYPT_LOG_N/);
  });
});

import { identityHmacKey, MissingSecretError } from '../../../cloudfunctions/shared/runtime/secrets';
import { lookupHash } from '../../../cloudfunctions/shared/students/lookup-hash';

describe('secrets from the environment', () => {
  it('names the missing variable and what to do', () => {
    expect(() => identityHmacKey({})).toThrow(MissingSecretError);
    expect(() => identityHmacKey({})).toThrow(/IDENTITY_HMAC_KEY 未设置.*云开发控制台/);
  });

  it('refuses a key too short to be a secret', () => {
    expect(() => identityHmacKey({ IDENTITY_HMAC_KEY: 'short' })).toThrow(/IDENTITY_HMAC_KEY 太短/);
  });

  it('returns a good key', () => {
    expect(identityHmacKey({ IDENTITY_HMAC_KEY: 'x'.repeat(32) })).toBe('x'.repeat(32));
  });
});

describe('lookup hashes', () => {
  it('depend on the key and the purpose, and reveal nothing of the value', () => {
    const id = '11010519491231002X';
    const a = lookupHash('a'.repeat(32), 'id', id);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(lookupHash('a'.repeat(32), 'id', id)).toBe(a);
    expect(lookupHash('b'.repeat(32), 'id', id)).not.toBe(a);
    expect(lookupHash('a'.repeat(32), 'phone', id)).not.toBe(a);
  });
});

import type { StudentPreparationDeps } from './domain/student';
import { maskIdNumber, maskPhone } from '../kernel/mask';
import { lookupHasher } from './lookup-hash';
import { identityHmacKey } from '../runtime/secrets';

/**
 * What `prepareStudent` needs, wired once: the identity HMAC key from the environment and the
 * runtime's masking. Admin import and the demo seeder both use it.
 */
export function studentPreparationDeps(now: Date): StudentPreparationDeps {
  return { lookupHash: lookupHasher(identityHmacKey()), maskIdNumber, maskPhone, now };
}

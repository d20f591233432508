import type { LocalCloud } from '../cloud';
import { seedDemoStudents, type DemoAccount } from './students';
import { seedDemoBills } from './bills';
import { seedDemoStaff, type DemoStaffMember } from './staff';

export interface SeedReport {
  accounts: DemoAccount[];
  bills: number;
  staff: readonly DemoStaffMember[];
}

/**
 * Demo data for `npm start`: students and their bills, written through the same domain code the
 * admin import uses. Idempotent: running it on a seeded database changes nothing.
 */
export async function seedDemoData(cloud: LocalCloud): Promise<SeedReport> {
  const db = cloud.sdkDatabase();
  const accounts = await seedDemoStudents(db, cloud.clock.now());
  const bills = await seedDemoBills(db, cloud.clock.now());
  const staff = await seedDemoStaff(db, cloud.clock.now());
  return { accounts, bills, staff };
}

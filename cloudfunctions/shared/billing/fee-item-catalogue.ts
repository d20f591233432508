/**
 * The fee item catalogue as a function instance knows it (学费, 教材费 …, whether an item still takes
 * payments after its deadline): read at most once a minute per instance, so an import of many chunks,
 * the 待缴费 list and 立即支付 read it once, not once per request.
 */
import type { Database } from '../runtime';
import type { FeeItemDoc } from './domain/bill-row';
import { billingReads } from './store';

/** How long an instance trusts the catalogue it read: a new or changed item counts a minute later at most. */
const CATALOGUE_TTL_MS = 60_000;
let catalogue: { readAt: number; items: FeeItemDoc[] } | null = null;

export async function feeItemCatalogue(db: Database, now: Date): Promise<FeeItemDoc[]> {
  if (catalogue && now.getTime() - catalogue.readAt < CATALOGUE_TTL_MS && now.getTime() >= catalogue.readAt) return catalogue.items;
  const items = await billingReads(db).feeItems.find({}, { limit: 1000 });
  catalogue = { readAt: now.getTime(), items };
  return items;
}

/** A fee item saved in this instance is seen at once. */
export function forgetFeeItemCatalogue(): void {
  catalogue = null;
}

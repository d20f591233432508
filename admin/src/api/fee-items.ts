/** The fee item catalogue: every role reads it (filters, import checks); 管理员 saves items. */
import { call } from './client';
import type { FeeItemView } from './types';

export async function listFeeItems(): Promise<FeeItemView[]> {
  return (await call('listFeeItems', {})).items;
}

export function saveFeeItem(item: FeeItemView): Promise<FeeItemView> {
  return call('saveFeeItem', item);
}

/**
 * The cloud console's index management offers no sparse index, and a unique index there treats a
 * missing field as null: every unique index of the payment collections must hold for documents as
 * the code writes them, with no help from `sparse`.
 */
import { COLLECTIONS } from '../../../cloudfunctions/shared/schema';
import { newOrder } from '../../../cloudfunctions/shared/billing/domain/billing';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';

const NOW = new Date('2026-11-28T02:03:04Z');

function unpaidOrder(id: string) {
  const bill = {
    _id: `b-${id}`,
    studentId: 's1',
    studentNo: '2025001',
    term: '2026-2027-1',
    academicYear: '2026-2027',
    itemCode: 'XF',
    itemName: '学费',
    amount: fen(320000),
    deadline: NOW,
    mandatory: true,
    status: 'UNPAID',
    orderId: null,
    paidOrderId: null,
    createdAt: NOW,
    updatedAt: NOW,
  } as BillDoc;
  return newOrder({ id, studentId: 's1', studentNo: '2025001', payerOpenid: 'o1', bills: [bill], email: 'a@b.cn', notifyOnPaid: false, nonceStr: 'n', now: NOW });
}

describe.each(['orders', 'payments', 'refunds'] as const)('%s indexes', (name) => {
  it('need no sparse index', () => {
    for (const index of COLLECTIONS[name].indexes) expect({ fields: index.fields, sparse: (index as { sparse?: boolean }).sparse ?? false }).toEqual({ fields: index.fields, sparse: false });
  });
});

it('two unpaid orders never share a unique key (a missing field counts as null)', () => {
  const a = unpaidOrder('ZJ20261128100304AAAAAAAAAAAA') as unknown as Record<string, unknown>;
  const b = unpaidOrder('ZJ20261128100304BBBBBBBBBBBB') as unknown as Record<string, unknown>;
  for (const index of COLLECTIONS.orders.indexes.filter((i) => (i as { unique?: boolean }).unique)) {
    const key = (doc: Record<string, unknown>) => JSON.stringify(index.fields.map((field) => doc[field] ?? null));
    expect(key(a)).not.toBe(key(b));
  }
});

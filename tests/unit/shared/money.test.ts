import { fen, formatFenPlain, sumFen, MoneyError } from '../../../cloudfunctions/shared/kernel/money';

describe('money in fen', () => {
  it('accepts only integer fen', () => {
    expect(() => fen(0.1 + 0.2)).toThrow(MoneyError);
    expect(() => fen(Number.NaN)).toThrow(MoneyError);
    expect(fen(320000)).toBe(320000);
  });

  it('adds exactly', () => {
    expect(sumFen([fen(10), fen(20), fen(320000)])).toBe(320030);
  });

  it('formats with thousands separators and two decimals', () => {
    expect(formatFenPlain(fen(320000))).toBe('3,200.00');
    expect(formatFenPlain(fen(5))).toBe('0.05');
    expect(formatFenPlain(fen(123456789))).toBe('1,234,567.89');
    expect(formatFenPlain(fen(-150))).toBe('-1.50');
  });
});

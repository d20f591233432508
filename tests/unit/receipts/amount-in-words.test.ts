import { amountInWords, AmountInWordsError, MAX_AMOUNT_IN_WORDS_FEN } from '../../../cloudfunctions/shared/receipts/domain/amount-in-words';
import { fen } from '../../../cloudfunctions/shared/kernel/money';

const words = (value: number): string => amountInWords(fen(value));

describe('amountInWords (大写金额)', () => {
  it('writes zero as 零元整', () => {
    expect(words(0)).toBe('零元整');
  });

  it.each([
    [320000, '叁仟贰佰元整'],
    [100, '壹元整'],
    [1000, '壹拾元整'],
    [1500, '壹拾伍元整'],
    [10000, '壹佰元整'],
    [150000, '壹仟伍佰元整'],
    [999999, '玖仟玖佰玖拾玖元玖角玖分'],
  ])('whole and simple amounts: %i fen → %s', (value, expected) => {
    expect(words(value)).toBe(expected);
  });

  it.each([
    [1, '壹分'],
    [9, '玖分'],
    [10, '壹角整'],
    [50, '伍角整'],
    [55, '伍角伍分'],
    [150, '壹元伍角整'],
    [155, '壹元伍角伍分'],
    [105, '壹元零伍分'],
    [1640902, '壹万陆仟肆佰零玖元零贰分'],
  ])('角 and 分: %i fen → %s (整 only after 元 or 角; 零 when 角 is 0 and 分 is not)', (value, expected) => {
    expect(words(value)).toBe(expected);
  });

  it.each([
    [140950, '壹仟肆佰零玖元伍角整'],
    [600714, '陆仟零柒元壹角肆分'],
    [100100, '壹仟零壹元整'],
    [100001, '壹仟元零壹分'],
    [168032, '壹仟陆佰捌拾元叁角贰分'],
    [10700053, '壹拾万柒仟元伍角叁分'],
    [10010000, '壹拾万零壹佰元整'],
    [10001000, '壹拾万零壹拾元整'],
    [325004503, '叁佰贰拾伍万零肆拾伍元零叁分'],
  ])('零 rules: %i fen → %s (one 零 for a run of zeros, none at the end of a group)', (value, expected) => {
    expect(words(value)).toBe(expected);
  });

  it.each([
    [1000000, '壹万元整'],
    [100000000, '壹佰万元整'],
    [1000000000, '壹仟万元整'],
    [1000100000, '壹仟万壹仟元整'],
    [10000000000, '壹亿元整'],
    [10000100000, '壹亿零壹仟元整'],
    [11000000000, '壹亿壹仟万元整'],
    [10001000000, '壹亿零壹万元整'],
    [100100000000, '壹拾亿零壹佰万元整'],
    [101001000000, '壹拾亿壹仟零壹万元整'],
    [100000000000000, '壹万亿元整'],
    [100000100000000, '壹万亿零壹佰万元整'],
    [123456789012345, '壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元肆角伍分'],
    [1000000000000000, '壹拾万亿元整'],
  ])('万 and 亿: %i fen → %s', (value, expected) => {
    expect(words(value)).toBe(expected);
  });

  it('writes a negative amount with 负', () => {
    expect(words(-150)).toBe('负壹元伍角整');
  });

  it('accepts the largest supported amount and refuses what it cannot write', () => {
    expect(words(MAX_AMOUNT_IN_WORDS_FEN)).toBe('玖拾万零柒佰壹拾玖亿玖仟贰佰伍拾肆万柒仟肆佰零玖元玖角壹分');
    expect(() => amountInWords((MAX_AMOUNT_IN_WORDS_FEN + 1) as never)).toThrow(AmountInWordsError);
    expect(() => amountInWords(1.5 as never)).toThrow(AmountInWordsError);
  });

  it('uses only the capital digits and units', () => {
    for (const value of [1, 12, 123, 1234, 12345, 123456, 1234567, 12345678, 123456789, 1234567890]) {
      expect(words(value)).toMatch(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+$/);
      expect(words(value)).not.toMatch(/零零|零元|零万|零亿|零整/);
    }
  });
});

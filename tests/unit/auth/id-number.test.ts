import {
  convertLegacyIdNumber,
  idCheckDigit,
  initialPasswordOf,
  normalizeIdNumberInput,
  parseIdNumber,
} from '../../../cloudfunctions/shared/students/domain/id-number';

const TODAY = new Date('2025-03-03T04:00:00Z');

describe('GB 11643 check digit', () => {
  it("matches the standard's worked example 11010519491231002X", () => {
    expect(idCheckDigit('11010519491231002')).toBe('X');
  });

  it('matches a hand-computed example', () => {
    // 3·7+7·9+0·10+6·5+0·8+2·4+1·2+9·1+9·6+9·3+0·7+3·9+0·10+7·5+2·8+6·4+2·2 = 320;
    // 320 mod 11 = 1 → '0' (the table is 1 0 X 9 8 7 6 5 4 3 2)
    expect(idCheckDigit('37060219990307262')).toBe('0');
    expect(parseIdNumber('370602199903072620', TODAY)).toMatchObject({ ok: true });
    expect(parseIdNumber('370602199903072628', TODAY)).toEqual({ ok: false, problem: 'checksum' });
  });
});

describe('reading an ID number as people type it', () => {
  it.each([
    ['11010519491231002X', '11010519491231002X'],
    ['11010519491231002x', '11010519491231002X'],
    [' 110105 19491231 002x ', '11010519491231002X'],
    ['１１０１０５１９４９１２３１００２Ｘ', '11010519491231002X'],
    ['１１０１０５１９４９１２３１００２ｘ', '11010519491231002X'],
    ['110105-19491231-002X', '11010519491231002X'],
    ['110105\u300019491231\t002X', '11010519491231002X'],
  ])('%j is %s', (typed, canonical) => {
    expect(normalizeIdNumberInput(typed)).toBe(canonical);
    expect(parseIdNumber(typed, TODAY)).toEqual({ ok: true, id: canonical, birthDate: '1949-12-31', converted: false });
  });

  it('converts a 15-digit legacy number to 18 digits, born in the 1900s', () => {
    expect(convertLegacyIdNumber('110105491231002')).toBe('11010519491231002X');
    expect(parseIdNumber('110105491231002', TODAY)).toEqual({ ok: true, id: '11010519491231002X', birthDate: '1949-12-31', converted: true });
  });

  it('refuses a 15-digit number with an impossible date', () => {
    expect(parseIdNumber('110105490230002', TODAY)).toEqual({ ok: false, problem: 'birthDate' });
  });
});

describe('what is wrong with an ID number', () => {
  const withCheck = (first17: string): string => first17 + idCheckDigit(first17);

  it.each([
    ['', 'format'],
    ['1101051949123100', 'format'],
    ['11010519491231002XX', 'format'],
    ['1101051949123100X2', 'format'],
    ['11010519491231002Y', 'format'],
    [withCheck('00010519491231002'), 'region'],
    [withCheck('99010519491231002'), 'region'],
    [withCheck('37060219990230123'), 'birthDate'],
    [withCheck('37060219991301123'), 'birthDate'],
    [withCheck('37060219990000123'), 'birthDate'],
    [withCheck('37060218991231123'), 'birthDate'],
    [withCheck('37060219000229123'), 'birthDate'],
    [withCheck('37060220300101123'), 'futureDate'],
  ])('%s → %s', (input, problem) => {
    expect(parseIdNumber(input, TODAY)).toEqual({ ok: false, problem });
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseIdNumber(withCheck('37060220000229123'), TODAY)).toMatchObject({ ok: true, birthDate: '2000-02-29' });
  });

  it('judges "future" by the date in China, not UTC', () => {
    // 2025-03-02 17:00 UTC is already 3 March in Beijing.
    const evening = new Date('2025-03-02T17:00:00Z');
    expect(parseIdNumber(withCheck('37060220250303123'), evening)).toMatchObject({ ok: true });
    expect(parseIdNumber(withCheck('37060220250304123'), evening)).toEqual({ ok: false, problem: 'futureDate' });
  });
});

describe('initial password', () => {
  it('is the last 8 characters with an upper-case X', () => {
    expect(initialPasswordOf('11010519491231002X')).toBe('1231002X');
    expect(initialPasswordOf('370602199903072620')).toBe('03072620');
  });
});

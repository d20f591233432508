/**
 * The log scrubber against the ways people and systems write phone and ID numbers: with the
 * country code, in groups with spaces or dashes. What is left must not contain the number.
 */
import { scrubPersonalData } from '../../../cloudfunctions/shared/kernel/mask';

const PHONE = '13812345678';
const ID = '37010219900307123X';
const digitsOf = (text: string): string => text.replace(/[^0-9Xx]/g, '');

describe('scrubPersonalData', () => {
  it.each([
    ['+8613812345678'],
    ['8613812345678'],
    ['008613812345678'],
    ['+86 13812345678'],
    ['+86-138-1234-5678'],
    ['138 1234 5678'],
    ['138-1234-5678'],
    ['138\u30001234\u30005678'],
  ])('masks the phone number written as %s', (written) => {
    const line = JSON.stringify({ msg: 'callback', from: written });
    const scrubbed = scrubPersonalData(line);
    expect(digitsOf(scrubbed)).not.toContain(PHONE);
    expect(scrubbed).toContain('****5678');
  });

  it.each([
    ['370102 19900307 123X'],
    ['3701 0219 9003 0712 3X'],
    ['370102 199003 07123x'],
    ['370102\u300019900307\u3000123X'],
  ])('masks the ID number written as %s', (written) => {
    const scrubbed = scrubPersonalData(JSON.stringify({ msg: 'import row', id: written }));
    expect(digitsOf(scrubbed).toUpperCase()).not.toContain(ID);
    expect(digitsOf(scrubbed).toUpperCase()).not.toContain(ID.slice(6, 14));
    expect(scrubbed).toContain('3701**********');
  });

  it.each([['370102-19900307-123X'], ['３７０１０２１９９００３０７１２３Ｘ'], ['３７０１０２ １９９００３０７ １２３ｘ']])('masks the ID number typed as %s', (written) => {
    const scrubbed = scrubPersonalData(`学生本人来电，证件号 ${written}，要求退费`);
    expect(scrubbed).toMatch(/^学生本人来电，证件号 3701\*{10}123[Xx]，要求退费$/);
  });

  it.each([['１３８１２３４５６７８'], ['１３８－１２３４－５６７８'.replace(/－/g, '-')]])('masks the phone number typed as %s', (written) => {
    expect(scrubPersonalData(`本人来电 ${written}`)).toBe('本人来电 138****5678');
  });

  it('masks a legacy 15-digit number written in groups', () => {
    const scrubbed = scrubPersonalData('id 370102 900307 123 end');
    expect(digitsOf(scrubbed)).not.toContain('370102900307123');
    expect(digitsOf(scrubbed)).not.toContain('900307');
  });

  it('leaves a bill id alone, whatever the length of its 学号', () => {
    for (const id of ['bill-2026500003-2026-2027-1-XF', 'bill-202650000-2026-2027-1-XF', 'bill-20265000031-2026-2027-2-JCF']) {
      const line = JSON.stringify({ msg: 'refunding', changed: [id] });
      expect(scrubPersonalData(line)).toBe(line);
    }
  });

  it('still leaves long references and timestamps alone', () => {
    const line = '{"tx":"4200001234202611281234567890","at":1741000000000,"fee":12345,"outTradeNo":"ZH202503030001"}';
    expect(scrubPersonalData(line)).toBe(line);
  });
});

/**
 * The learning platform's signed link as pure rules: the recipe the platform's developers follow
 * (the worked example in docs/desktop-link.md is what the code computes), reading a scanned link,
 * and the key ring that lets keys rotate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildDesktopLink,
  checkDesktopLink,
  desktopLinkSignature,
  desktopLinkSigningText,
  parseDesktopLink,
  type DesktopLinkFields,
} from '../../../cloudfunctions/shared/students/domain/desktop-link';
import { desktopLinkKeys } from '../../../cloudfunctions/shared/students/desktop-link';
import { KeyRingConfigError, readKeyRing } from '../../../cloudfunctions/shared/runtime/key-ring';
import { DEVELOPMENT_DEFAULTS } from '../../../cloudfunctions/shared/runtime/environment';

const PREFIX = 'https://zhjf.example.edu.cn/desktop-login';
const TEST_SECRET = DEVELOPMENT_DEFAULTS.DESKTOP_LINK_SECRET!;
/** The worked example of docs/desktop-link.md: 2026-03-02 09:40 (Beijing time), k1, the test secret. */
const EXAMPLE: DesktopLinkFields = { studentNo: '2023010101', expires: 1772415600, nonce: 'q7Xw2LmN9vB4kR8tZp3sYc', keyId: 'k1' };
const EXAMPLE_SIGNATURE = 'd058b686f999582e3685c333bb9f9ae9699ea99dd494bde2795feeabe5572b49';
const ISSUED = new Date('2026-03-02T01:30:00Z');

describe('the worked example the platform developers follow', () => {
  const doc = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'desktop-link.md'), 'utf8');

  it('is what the code signs and builds, under the published test secret', () => {
    expect(EXAMPLE.expires).toBe(Date.parse('2026-03-02T09:40:00+08:00') / 1000);
    expect(desktopLinkSigningText(EXAMPLE)).toBe('ZHJF-DESKTOP-LOGIN-1|k1|2023010101|1772415600|q7Xw2LmN9vB4kR8tZp3sYc');
    expect(desktopLinkSignature(TEST_SECRET, EXAMPLE)).toBe(EXAMPLE_SIGNATURE);
    const link = buildDesktopLink(PREFIX, EXAMPLE, TEST_SECRET);
    expect(link).toBe(`${PREFIX}?s=2023010101&e=1772415600&n=q7Xw2LmN9vB4kR8tZp3sYc&k=k1&sig=${EXAMPLE_SIGNATURE}`);
    for (const text of [TEST_SECRET, desktopLinkSigningText(EXAMPLE), EXAMPLE_SIGNATURE, link, encodeURIComponent(link)]) expect(doc).toContain(text);
  });

  it('verifies until its expiry and not after', () => {
    const link = parseDesktopLink(buildDesktopLink(PREFIX, EXAMPLE, TEST_SECRET))!;
    expect(checkDesktopLink(link, TEST_SECRET, ISSUED)).toBeNull();
    expect(checkDesktopLink(link, TEST_SECRET, new Date(EXAMPLE.expires * 1000 - 1000))).toBeNull();
    expect(checkDesktopLink(link, TEST_SECRET, new Date(EXAMPLE.expires * 1000))).toBe('expired');
  });
});

describe('reading a scanned link', () => {
  const link = buildDesktopLink(PREFIX, EXAMPLE, TEST_SECRET);

  it('reads the whole address, its query alone, upper-case hex and a school parameter it does not sign', () => {
    const expected = { ...EXAMPLE, signature: EXAMPLE_SIGNATURE };
    expect(parseDesktopLink(link)).toEqual(expected);
    expect(parseDesktopLink(link.slice(link.indexOf('?') + 1))).toEqual(expected);
    expect(parseDesktopLink(link.replace(EXAMPLE_SIGNATURE, EXAMPLE_SIGNATURE.toUpperCase()))).toEqual(expected);
    expect(parseDesktopLink(`${link}&from=platform#top`)).toEqual(expected);
  });

  it('is not a link when a field is missing, given twice, or of the wrong form', () => {
    expect(parseDesktopLink(link.replace('&k=k1', ''))).toBeNull();
    expect(parseDesktopLink(`${link}&s=2023010102`)).toBeNull();
    expect(parseDesktopLink(link.replace('e=1772415600', 'e=soon'))).toBeNull();
    expect(parseDesktopLink(link.replace('n=q7Xw2LmN9vB4kR8tZp3sYc', 'n=short'))).toBeNull();
    expect(parseDesktopLink(link.replace(EXAMPLE_SIGNATURE, EXAMPLE_SIGNATURE.slice(1)))).toBeNull();
    expect(parseDesktopLink(link.replace('s=2023010101', 's=2023%E4%B'))).toBeNull();
    expect(parseDesktopLink('https://zhjf.example.edu.cn/')).toBeNull();
  });

  it('refuses a changed field, another key and a link that claims to last for days', () => {
    const parsed = parseDesktopLink(link)!;
    expect(checkDesktopLink({ ...parsed, studentNo: '2023010102' }, TEST_SECRET, ISSUED)).toBe('signature');
    expect(checkDesktopLink({ ...parsed, expires: parsed.expires + 60 }, TEST_SECRET, ISSUED)).toBe('signature');
    expect(checkDesktopLink(parsed, `${TEST_SECRET}-rotated`, ISSUED)).toBe('signature');
    expect(checkDesktopLink(parsed, undefined, ISSUED)).toBe('signature');
    const longLived = { ...EXAMPLE, expires: EXAMPLE.expires + 3 * 24 * 3600 };
    expect(checkDesktopLink(parseDesktopLink(buildDesktopLink(PREFIX, longLived, TEST_SECRET))!, TEST_SECRET, ISSUED)).toBe('lifetime');
  });
});

describe('the key ring', () => {
  const NAMES = { secret: 'S', keyId: 'ID', previous: 'OLD' };
  const RULES = { minSecretLength: 32 };
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);

  it('holds the current key (k1 by default) and the previous ones by id', () => {
    expect(readKeyRing({ S: a }, NAMES, RULES)).toEqual({ current: { id: 'k1', secret: a }, byId: new Map([['k1', a]]) });
    const rotated = readKeyRing({ S: b, ID: 'k2', OLD: ` k1:${a} ` }, NAMES, RULES);
    expect(rotated.current).toEqual({ id: 'k2', secret: b });
    expect([...rotated.byId]).toEqual([
      ['k1', a],
      ['k2', b],
    ]);
    expect(readKeyRing({}, NAMES, RULES)).toEqual({ current: null, byId: new Map() });
  });

  it('refuses a configuration that would make a key ambiguous or weak', () => {
    expect(() => readKeyRing({ S: b, ID: 'k1', OLD: `k1:${a}` }, NAMES, RULES)).toThrow(KeyRingConfigError);
    expect(() => readKeyRing({ S: b, ID: 'k2', OLD: `k1:${a},k1:${b}` }, NAMES, RULES)).toThrow(/listed twice/);
    expect(() => readKeyRing({ S: b, ID: 'k2', OLD: 'k1:short' }, NAMES, RULES)).toThrow(/id:secret/);
    expect(() => readKeyRing({ S: b, ID: 'k 2' }, NAMES, RULES)).toThrow(/ID must be/);
  });

  it('is read from the auth function’s DESKTOP_LINK_ variables', () => {
    const keys = desktopLinkKeys({ DESKTOP_LINK_SECRET: b, DESKTOP_LINK_KEY_ID: '2026a', DESKTOP_LINK_SECRET_PREVIOUS: `k1:${a}` });
    expect(keys.current).toEqual({ id: '2026a', secret: b });
    expect(keys.byId.get('k1')).toBe(a);
    expect(desktopLinkKeys({ DESKTOP_LINK_SECRET: 'too-short' }).current).toBeNull();
  });
});

/**
 * What the build packs into miniprogram_npm for the pages (scripts/build-miniprogram.ts): the icon
 * glyphs the pages show and no others (TDesign's whole table was 110 KB of the main package), and
 * every npm module the pages load where the mini program's require looks for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ICON_TABLES, npmImports } from '../../scripts/build-miniprogram';
import { openPage, type OpenedPage } from './harness';
import { MINIPROGRAM_NPM, MINIPROGRAM_ROOT, PROJECT_ROOT } from './paths';

const TDESIGN_ICONS = ICON_TABLES.find((table) => table.prefix === 't-icon')!;

/** The glyph names an icon stylesheet has rules for. */
function glyphsIn(css: string, prefix: string): Set<string> {
  return new Set([...css.matchAll(new RegExp(`\\.${prefix}-([a-z0-9-]+):before\\{content:`, 'g'))].map((match) => match[1] as string));
}

const packedGlyphs = (): Set<string> => glyphsIn(fs.readFileSync(path.join(MINIPROGRAM_NPM, TDESIGN_ICONS.packed), 'utf8'), 't-icon');

/** The glyphs a rendered page shows: TDesign's icon renders `t-icon-<name>` (prefixed by the simulator). */
function glyphsShown(page: OpenedPage): string[] {
  const html = (page.root.dom as unknown as { outerHTML: string }).outerHTML;
  return [...html.matchAll(/t-icon--t-icon-([a-z0-9-]+)/g)].map((match) => match[1] as string).filter((name) => name !== 'base');
}

/** Icon names written into the pages' and components' own WXML (name="check", left-icon="call"…). */
function iconNamesInWxml(dir = MINIPROGRAM_ROOT, out: Set<string> = new Set()): Set<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'miniprogram_npm') iconNamesInWxml(full, out);
    else if (entry.name.endsWith('.wxml')) {
      const wxml = fs.readFileSync(full, 'utf8');
      for (const match of wxml.matchAll(/<t-(?:icon|empty|cell|input|button)\b[^>]*?\s(?:name|icon|left-icon|right-icon|prefix-icon|suffix-icon)="([a-z0-9-]+)"/g)) {
        out.add(match[1] as string);
      }
    }
  }
  return out;
}

let page: OpenedPage | undefined;

afterEach(async () => {
  await page?.close();
  page = undefined;
});

test('every icon the pages name has its glyph in the packed table', () => {
  const named = [...iconNamesInWxml()];
  expect(named).toEqual(expect.arrayContaining(['check', 'user-locked', 'error-circle', 'call', 'file']));
  const glyphs = packedGlyphs();
  expect(named.filter((name) => !glyphs.has(name))).toEqual([]);
});

test('so are the icons TDesign’s components draw themselves (我的: the cells’ arrows)', async () => {
  page = await openPage('pages/mine/index');
  await page.waitForText('登录');
  const shown = glyphsShown(page);
  expect(shown).toEqual(expect.arrayContaining(['chevron-right', 'call', 'user']));
  const glyphs = packedGlyphs();
  expect(shown.filter((name) => !glyphs.has(name))).toEqual([]);
});

test('the main package carries a few dozen glyphs, not the whole font', () => {
  const installed = fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', TDESIGN_ICONS.installed), 'utf8');
  const packed = fs.readFileSync(path.join(MINIPROGRAM_NPM, TDESIGN_ICONS.packed), 'utf8');
  expect(glyphsIn(installed, 't-icon').size).toBeGreaterThan(2000);
  expect(packedGlyphs().size).toBeLessThan(100);
  expect(packed.length).toBeLessThan(installed.length / 10);
  // The rest of the stylesheet (the font itself, the base class) is kept.
  expect(packed).toContain('@font-face');
  expect(packed).toContain('.t-icon-base{');
});

test('every npm module the pages load is packed where the mini program looks for it', () => {
  const modules = npmImports(PROJECT_ROOT);
  // dayjs formats the dates; its utc plugin is a sub-path the packer alone would leave out.
  expect(modules.map((m) => m.specifier)).toEqual(expect.arrayContaining(['dayjs', 'dayjs/plugin/utc']));
  expect(modules.filter((m) => !fs.existsSync(path.join(MINIPROGRAM_ROOT, m.packedPath))).map((m) => m.packedPath)).toEqual([]);
});

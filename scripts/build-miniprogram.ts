/**
 * Builds miniprogram/miniprogram_npm from the root package.json `dependencies` (tdesign-miniprogram,
 * @vant/weapp, dayjs), the same way WeChat DevTools' "构建 npm" does with packNpmManually, then:
 * - packs the sub-path modules the mini program imports (dayjs/plugin/utc): the packer packs a
 *   plain npm package's main file only;
 * - cuts the icon fonts' tables (TDesign's icon.wxss is 110 KB of glyph names) down to the glyphs
 *   that the pages and the components they reach name, so the main package carries only those.
 * First it writes miniprogram/utils/email-rule.ts, the pages' copy of the back end's email rule.
 * Runs offline and needs neither an appid nor an upload key.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Written beside the packed packages; says what they were packed from. */
export const BUILD_STAMP_FILE = '.build-stamp.json';

/** An icon font's table of glyph names, as packed (under miniprogram_npm) and as installed. */
interface IconTable {
  /** The class prefix of a glyph rule: `.t-icon-check:before{content:'\E001';}`. */
  prefix: string;
  packed: string;
  installed: string;
}

export const ICON_TABLES: readonly IconTable[] = [
  { prefix: 't-icon', packed: 'tdesign-miniprogram/icon/icon.wxss', installed: 'tdesign-miniprogram/miniprogram_dist/icon/icon.wxss' },
  { prefix: 'van-icon', packed: '@vant/weapp/icon/index.wxss', installed: '@vant/weapp/lib/icon/index.wxss' },
];

const glyphRule = (prefix: string): RegExp => new RegExp(`\\.${prefix}-([a-z0-9-]+):before\\{content:(['"])\\\\[0-9A-Fa-f]+\\2;?\\}\\n?`, 'g');

const miniprogramRoot = (root: string): string => path.join(root, 'miniprogram');
const npmDir = (root: string): string => path.join(miniprogramRoot(root), 'miniprogram_npm');

/** The project's own mini program files with these extensions (not miniprogram_npm, not typings). */
function ownFiles(root: string, extensions: readonly string[], dir = miniprogramRoot(root), out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'miniprogram_npm' && entry.name !== 'typings') ownFiles(root, extensions, full, out);
    } else if (extensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
  return out;
}

/** An npm module the mini program's own code loads at run time, and which files load it. */
export interface NpmImport {
  /** e.g. "dayjs" or "dayjs/plugin/utc". */
  specifier: string;
  /** The file that serves it inside miniprogram_npm, relative to the mini program root. */
  packedPath: string;
  /** Importing files, relative to the mini program root. */
  importers: string[];
}

/** The file inside miniprogram_npm that `require(specifier)` loads in the mini program. */
function packedPathOf(root: string, specifier: string): string {
  const base = path.join(npmDir(root), specifier);
  const candidates = [`${base}.js`, path.join(base, 'index.js')];
  const found = candidates.find((file) => fs.existsSync(file)) ?? candidates[specifier.includes('/') ? 0 : 1];
  return path.relative(miniprogramRoot(root), found as string).split(path.sep).join('/');
}

/**
 * The modules a TypeScript file loads at run time: its imports, re-exports and requires, but not
 * `import type` (erased by the compiler, it loads nothing).
 */
export function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, false);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) specifiers.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Bare module specifiers (npm packages) that the project's own TypeScript loads at run time. */
export function npmImports(root: string): NpmImport[] {
  const bySpecifier = new Map<string, string[]>();
  for (const file of ownFiles(root, ['.ts'])) {
    for (const specifier of runtimeSpecifiers(file)) {
      if (specifier.startsWith('.') || specifier.startsWith('/')) continue;
      const importers = bySpecifier.get(specifier) ?? [];
      importers.push(path.relative(miniprogramRoot(root), file).split(path.sep).join('/'));
      bySpecifier.set(specifier, importers);
    }
  }
  return [...bySpecifier.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([specifier, importers]) => ({ specifier, packedPath: packedPathOf(root, specifier), importers }));
}

/** "@vant/weapp/icon/index" → "@vant/weapp"; "dayjs/plugin/utc" → "dayjs". */
const packageNameOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * Puts each sub-path module the mini program imports beside its packed package. Only a
 * self-contained file can go in as it is (dayjs's plugins are): anything that requires more is
 * refused here rather than failing on a phone.
 */
function packSubpathModules(root: string): string[] {
  const packed: string[] = [];
  for (const { specifier, importers } of npmImports(root)) {
    const target = path.join(miniprogramRoot(root), packedPathOf(root, specifier));
    if (specifier === packageNameOf(specifier)) {
      if (!fs.existsSync(target)) throw new Error(`${importers.join(', ')} imports "${specifier}", which is not packed into miniprogram_npm: is it in package.json's dependencies?`);
      continue;
    }
    const source = require.resolve(specifier, { paths: [root] });
    const code = fs.readFileSync(source, 'utf8');
    if (/\brequire\s*\(/.test(code)) throw new Error(`"${specifier}" (imported by ${importers.join(', ')}) requires other modules; only a self-contained file can be packed as a sub-path`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
    packed.push(specifier);
  }
  return packed;
}

export interface ComponentFiles {
  /** The component's path without extension. */
  base: string;
  json: string;
}

/** Where a usingComponents entry points: relative, absolute from the mini program root, or npm. */
function resolveComponent(root: string, fromDir: string, target: string): string | null {
  if (target.startsWith('plugin://')) return null;
  if (target.startsWith('/')) return path.join(miniprogramRoot(root), target);
  if (target.startsWith('.')) return path.join(fromDir, target);
  return path.join(npmDir(root), target);
}

/** Every page and component app.json reaches (main package and subpackages), through usingComponents. */
export function reachedComponents(root: string): ComponentFiles[] {
  const app = JSON.parse(fs.readFileSync(path.join(miniprogramRoot(root), 'app.json'), 'utf8')) as {
    pages?: string[];
    subPackages?: { root: string; pages: string[] }[];
    subpackages?: { root: string; pages: string[] }[];
    usingComponents?: Record<string, string>;
  };
  const seen = new Map<string, ComponentFiles>();
  const visit = (base: string): void => {
    if (seen.has(base)) return;
    const json = `${base}.json`;
    seen.set(base, { base, json });
    if (!fs.existsSync(json)) return;
    const usingComponents = (JSON.parse(fs.readFileSync(json, 'utf8')) as { usingComponents?: Record<string, string> }).usingComponents ?? {};
    for (const target of Object.values(usingComponents)) {
      const resolved = resolveComponent(root, path.dirname(base), target);
      if (resolved) visit(resolved);
    }
  };
  for (const target of Object.values(app.usingComponents ?? {})) {
    const resolved = resolveComponent(root, miniprogramRoot(root), target);
    if (resolved) visit(resolved);
  }
  for (const page of app.pages ?? []) visit(path.join(miniprogramRoot(root), page));
  for (const sub of [...(app.subPackages ?? []), ...(app.subpackages ?? [])]) {
    for (const page of sub.pages) visit(path.join(miniprogramRoot(root), sub.root, page));
  }
  return [...seen.values()];
}

/**
 * Words that may name an icon: every quoted lower-case, hyphenated literal in the project's own
 * WXML and TypeScript and in the markup and scripts of the packed components the pages reach
 * (TDesign's input names its clear icon "close-circle-filled" in its script, for instance).
 */
function iconNameCandidates(root: string): Set<string> {
  const texts: string[] = ownFiles(root, ['.wxml', '.ts']).map((file) => fs.readFileSync(file, 'utf8'));
  for (const { base } of reachedComponents(root)) {
    if (!base.startsWith(npmDir(root))) continue;
    for (const ext of ['.wxml', '.js']) if (fs.existsSync(base + ext)) texts.push(fs.readFileSync(base + ext, 'utf8'));
  }
  const words = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(/(['"`])([a-z0-9]+(?:-[a-z0-9]+)*)\1/g)) words.add(match[2] as string);
  return words;
}

/** Per icon table, the glyphs kept: those whose names the code uses. */
export function iconsInUse(root: string): Record<string, string[]> {
  const candidates = iconNameCandidates(root);
  const kept: Record<string, string[]> = {};
  for (const table of ICON_TABLES) {
    const full = fs.readFileSync(path.join(root, 'node_modules', table.installed), 'utf8');
    const names = [...full.matchAll(glyphRule(table.prefix))].map((match) => match[1] as string);
    kept[table.prefix] = names.filter((name) => candidates.has(name)).sort();
  }
  return kept;
}

/** Rewrites each packed icon table with only the glyph rules in `kept`; everything else in it stays. */
function trimIconTables(root: string, kept: Record<string, string[]>): void {
  for (const table of ICON_TABLES) {
    const keep = new Set(kept[table.prefix]);
    const full = fs.readFileSync(path.join(root, 'node_modules', table.installed), 'utf8');
    const trimmed = full.replace(glyphRule(table.prefix), (rule: string, name: string) => (keep.has(name) ? rule : ''));
    fs.writeFileSync(path.join(npmDir(root), table.packed), trimmed);
  }
}

/** The back end's one email rule: kernel code, pure and importing nothing. */
export const EMAIL_RULE_SOURCE = 'cloudfunctions/shared/kernel/email.ts';
/** Its copy for the pages, generated here and committed. */
export const EMAIL_RULE_COPY = 'miniprogram/utils/email-rule.ts';

/**
 * The mini program's copy of the email rule, as generated from the kernel's file. WeChat DevTools
 * compiles only miniprogram/ (the pages may import only types from outside it), so the pages check
 * an address with a copy of the very code the server runs rather than a rule of their own.
 */
export function emailRuleCopy(root: string): string {
  const source = fs.readFileSync(path.join(root, EMAIL_RULE_SOURCE), 'utf8');
  const imported = ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
  if (imported.length > 0) throw new Error(`${EMAIL_RULE_SOURCE} imports ${imported.join(', ')}: the mini program's copy must stand alone`);
  return (
    `// Generated from ${EMAIL_RULE_SOURCE} by scripts/build-miniprogram.ts\n` +
    '// (npm run build). Do not edit: change that file and build again;\n' +
    '// tests/unit/miniprogram/email-rule.test.ts fails while the two differ.\n\n' +
    source
  );
}

function writeEmailRuleCopy(root: string): void {
  const target = path.join(root, EMAIL_RULE_COPY);
  const copy = emailRuleCopy(root);
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== copy) fs.writeFileSync(target, copy);
}

/** The packed dependencies and their installed versions, e.g. { "dayjs": "1.11.23", … }. */
function installedVersions(root: string): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const versions: Record<string, string> = {};
  for (const name of Object.keys(pkg.dependencies ?? {}).sort()) {
    const installed = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string };
    versions[name] = installed.version;
  }
  return versions;
}

/**
 * What miniprogram_npm is packed from: the installed versions, the sub-path modules the code
 * imports and (as a digest) the icons it names. A change in any of them calls for a new build.
 */
export function miniprogramNpmStamp(root: string): Record<string, unknown> {
  const icons = createHash('sha256').update(JSON.stringify(iconsInUse(root))).digest('hex').slice(0, 16);
  const modules = npmImports(root).map((entry) => entry.specifier);
  return { packages: installedVersions(root), modules, icons };
}

/** True when miniprogram/miniprogram_npm exists and was packed from what the stamp describes now. */
export function isMiniprogramNpmFresh(root: string): boolean {
  const stampPath = path.join(npmDir(root), BUILD_STAMP_FILE);
  if (!fs.existsSync(stampPath)) return false;
  try {
    const stored = fs.readFileSync(stampPath, 'utf8').trim();
    return stored === JSON.stringify(miniprogramNpmStamp(root), null, 2);
  } catch {
    return false;
  }
}

/** Builds what the mini program takes from outside miniprogram/: its email rule and miniprogram_npm. */
export async function buildMiniprogramNpm(root: string): Promise<void> {
  writeEmailRuleCopy(root);
  const packageJsonPath = path.join(root, 'package.json');
  const miniprogramRoot = path.join(root, 'miniprogram');
  const outDir = path.join(miniprogramRoot, 'miniprogram_npm');

  // Start clean so a removed dependency does not linger in the upload.
  fs.rmSync(outDir, { recursive: true, force: true });

  // Loaded only when needed: miniprogram-ci takes a couple of seconds to load.
  const { packNpmManually } = await import('miniprogram-ci');
  const result = await packNpmManually({ packageJsonPath, miniprogramNpmDistDir: miniprogramRoot });
  if (result.warnList.length > 0) {
    for (const warn of result.warnList) {
      process.stderr.write(`[build-miniprogram] ${JSON.stringify(warn)}\n`);
    }
  }
  if (!fs.existsSync(outDir)) {
    throw new Error(`packNpmManually did not produce ${outDir}`);
  }
  const subpaths = packSubpathModules(root);
  const icons = iconsInUse(root);
  trimIconTables(root, icons);
  fs.writeFileSync(path.join(outDir, BUILD_STAMP_FILE), `${JSON.stringify(miniprogramNpmStamp(root), null, 2)}\n`);
  process.stdout.write(
    `[build-miniprogram] miniprogram_npm: ${result.miniProgramPackNum} mini program package(s), ` +
      `${result.otherNpmPackNum} other package(s)` +
      `${subpaths.length > 0 ? `, sub-path modules ${subpaths.join(', ')}` : ''}; ` +
      `icons kept: ${ICON_TABLES.map((table) => `${table.prefix} ${icons[table.prefix]?.length ?? 0}`).join(', ')}\n`,
  );
}

if (require.main === module) {
  buildMiniprogramNpm(path.resolve(__dirname, '..')).catch((error: unknown) => {
    process.stderr.write(`[build-miniprogram] ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

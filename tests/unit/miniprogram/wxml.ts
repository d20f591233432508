/**
 * The mini program's templates as trees, read from the .wxml files: enough of WXML for checks that
 * walk every page (tags, attributes, text, nesting), without running the pages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const MINIPROGRAM_ROOT = path.join(__dirname, '..', '..', '..', 'miniprogram');

export interface WxmlText {
  kind: 'text';
  text: string;
}

export interface WxmlElement {
  kind: 'element';
  tag: string;
  attrs: Record<string, string>;
  children: WxmlNode[];
  parent: WxmlElement | null;
  /** Where it starts, as file:line, for messages. */
  at: string;
}

export type WxmlNode = WxmlElement | WxmlText;

/** Elements that never have content (WXML writes them either way). */
const VOID_TAGS = new Set(['import', 'include', 'input', 'image', 'icon']);

const TAG = /<([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/y;
const CLOSE = /<\/([a-zA-Z][\w:-]*)\s*>/y;
const ATTR = /([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g;

/** Parses a template; `file` (relative to the mini program root) names positions in messages. */
export function parseWxml(source: string, file: string): WxmlElement {
  const root: WxmlElement = { kind: 'element', tag: '#root', attrs: {}, children: [], parent: null, at: `${file}:1` };
  let current = root;
  let pos = 0;
  const lineAt = (index: number): number => source.slice(0, index).split('\n').length;
  while (pos < source.length) {
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos);
      if (end < 0) throw new Error(`${file}:${lineAt(pos)}: unterminated comment`);
      pos = end + 3;
      continue;
    }
    CLOSE.lastIndex = pos;
    const close = CLOSE.exec(source);
    if (close) {
      if (current.tag !== close[1]) throw new Error(`${file}:${lineAt(pos)}: </${close[1]}> closes <${current.tag}>`);
      current = current.parent!;
      pos = CLOSE.lastIndex;
      continue;
    }
    TAG.lastIndex = pos;
    const open = TAG.exec(source);
    if (open) {
      const attrs: Record<string, string> = {};
      for (const match of open[2]!.matchAll(ATTR)) attrs[match[1]!] = match[2] ?? match[3] ?? '';
      const element: WxmlElement = { kind: 'element', tag: open[1]!, attrs, children: [], parent: current, at: `${file}:${lineAt(pos)}` };
      current.children.push(element);
      if (!open[3] && !VOID_TAGS.has(element.tag)) current = element;
      pos = TAG.lastIndex;
      continue;
    }
    const next = source.indexOf('<', pos + 1);
    const end = next < 0 ? source.length : next;
    if (source[pos] === '<') throw new Error(`${file}:${lineAt(pos)}: cannot read the tag here`);
    const text = source.slice(pos, end);
    if (text.trim()) current.children.push({ kind: 'text', text });
    pos = end;
  }
  if (current !== root) throw new Error(`${file}: <${current.tag}> (${current.at}) is never closed`);
  return root;
}

/** Every .wxml of the mini program's own pages and components (not the packed npm ones), relative to its root. */
export function listWxmlFiles(dir = MINIPROGRAM_ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'miniprogram_npm' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listWxmlFiles(full));
    else if (entry.name.endsWith('.wxml')) out.push(path.relative(MINIPROGRAM_ROOT, full).split(path.sep).join('/'));
  }
  return out.sort();
}

export function readWxml(file: string): WxmlElement {
  return parseWxml(readFileSync(path.join(MINIPROGRAM_ROOT, file), 'utf8'), file);
}

/** Every element under `root`, depth first, in document order. */
export function elementsOf(root: WxmlElement): WxmlElement[] {
  const out: WxmlElement[] = [];
  const walk = (node: WxmlElement): void => {
    for (const child of node.children) {
      if (child.kind !== 'element') continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** The text a reader hears inside an element: its own text and its descendants', bindings included. */
export function textOf(node: WxmlNode): string {
  if (node.kind === 'text') return node.text.trim();
  return node.children.map(textOf).filter(Boolean).join(' ');
}

/**
 * The mini program's stylesheets as data, and what they make of an element: its possible text
 * colours, backgrounds and font sizes, worked out from the rules that can match it (classes that a
 * binding may add count as "possibly present"), the custom properties (theme variables) in scope
 * and inheritance. A static reading, so that every state a binding can put an element in is checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// ------------------------------------------------------------------ stylesheets

interface Compound {
  tag: string | null;
  classes: string[];
  /** :last-child, :not(…), [attr]…: the rule may or may not apply. */
  conditional: boolean;
  /** ::after and the like: the rule styles a pseudo-element, not the element. */
  pseudoElement: boolean;
  /** A disabled control's look ([disabled], :disabled, --disabled): WCAG asks no contrast of it. */
  disabledState: boolean;
}

type Combinator = ' ' | '>' | '+' | '~';

export interface Selector {
  /** As written, for messages. */
  text: string;
  /** Right to left: the subject first, each with the combinator to the one before it (leftwards). */
  compounds: { compound: Compound; combinator: Combinator | null }[];
  specificity: number;
}

export interface Rule {
  selectors: Selector[];
  declarations: [string, string][];
  /** Later rules win at equal specificity. */
  order: number;
  source: string;
}

let ruleCounter = 0;

function splitTopLevel(text: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === separator && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function parseCompound(text: string): Compound {
  const compound: Compound = { tag: null, classes: [], conditional: false, pseudoElement: false, disabledState: /\[disabled\]|:disabled|--disabled\b/.test(text) };
  const token = /(\.[\w-]+)|(#[\w-]+)|(::[\w-]+)|(:[\w-]+(?:\([^)]*\))?)|(\[[^\]]*\])|(\*)|([a-zA-Z][\w-]*)/g;
  for (const match of text.matchAll(token)) {
    if (match[1]) compound.classes.push(match[1].slice(1));
    else if (match[2] || match[4] || match[5]) compound.conditional = true;
    else if (match[3]) compound.pseudoElement = true;
    else if (match[7]) compound.tag = match[7];
  }
  return compound;
}

function parseSelector(text: string): Selector {
  const parts = text.trim().replace(/\s*([>+~])\s*/g, ' $1 ').split(/\s+/);
  const compounds: Selector['compounds'] = [];
  let combinator: Combinator | null = null;
  let specificity = 0;
  for (const part of parts.reverse()) {
    if (part === '>' || part === '+' || part === '~') {
      combinator = part;
      continue;
    }
    if (compounds.length > 0) compounds[compounds.length - 1]!.combinator = combinator ?? ' ';
    const compound = parseCompound(part);
    specificity += compound.classes.length * 100 + (compound.conditional ? 100 : 0) + (compound.tag ? 1 : 0);
    compounds.push({ compound, combinator: null });
    combinator = null;
  }
  return { text: text.trim().replace(/\s+/g, ' '), compounds, specificity };
}

function parseDeclarations(body: string): [string, string][] {
  return splitTopLevel(body, ';')
    .map((piece) => piece.trim())
    .filter((piece) => piece.includes(':'))
    .map((piece) => {
      const at = piece.indexOf(':');
      return [piece.slice(0, at).trim().toLowerCase(), piece.slice(at + 1).replace(/!important/i, '').trim()] as [string, string];
    });
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced braces');
}

/**
 * The rules of a stylesheet, its @imports first (as WeChat applies them), media blocks for a light
 * screen included and dark-mode ones left out. `resolveImport` turns an @import path into a file.
 */
export function parseStylesheet(source: string, name: string, resolveImport: (target: string) => string | null): Rule[] {
  const rules: Rule[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '');
  let pos = 0;
  while (pos < text.length) {
    const brace = text.indexOf('{', pos);
    const semicolon = text.indexOf(';', pos);
    if (semicolon >= 0 && (brace < 0 || semicolon < brace) && text.slice(pos, semicolon).trim().startsWith('@import')) {
      const target = /@import\s+['"]([^'"]+)['"]/.exec(text.slice(pos, semicolon + 1))?.[1];
      const file = target ? resolveImport(target) : null;
      if (file) rules.push(...loadStylesheet(file, resolveImport));
      pos = semicolon + 1;
      continue;
    }
    if (brace < 0) break;
    const prelude = text.slice(pos, brace).trim();
    const close = matchingBrace(text, brace);
    const body = text.slice(brace + 1, close);
    if (prelude.startsWith('@media')) {
      if (!/prefers-color-scheme\s*:\s*dark/.test(prelude)) rules.push(...parseStylesheet(body, name, resolveImport));
    } else if (!prelude.startsWith('@')) {
      const selectors = splitTopLevel(prelude, ',').map(parseSelector);
      rules.push({ selectors, declarations: parseDeclarations(body), order: (ruleCounter += 1), source: name });
    }
    pos = close + 1;
  }
  return rules;
}

const loadedSheets = new Map<string, Rule[]>();

export function loadStylesheet(file: string, resolveImport: (target: string, from: string) => string | null): Rule[] {
  let rules = loadedSheets.get(file);
  if (!rules) {
    rules = existsSync(file) ? parseStylesheet(readFileSync(file, 'utf8'), file, (target) => resolveImport(target, file)) : [];
    loadedSheets.set(file, rules);
  }
  return rules;
}

// ------------------------------------------------------------------ colours

export type Rgb = [number, number, number];
export interface Colour {
  rgb: Rgb;
  alpha: number;
}

const NAMED: Record<string, Colour> = {
  white: { rgb: [255, 255, 255], alpha: 1 },
  black: { rgb: [0, 0, 0], alpha: 1 },
  transparent: { rgb: [0, 0, 0], alpha: 0 },
};

/** Every colour written in a value (one, or a gradient's stops). */
export function coloursIn(value: string): Colour[] {
  const out: Colour[] = [];
  for (const match of value.matchAll(/#([0-9a-fA-F]{3,8})\b|rgba?\(([^)]*)\)|\b(white|black|transparent)\b/g)) {
    if (match[1]) {
      let hex = match[1];
      if (hex.length === 3 || hex.length === 4) hex = [...hex].map((c) => c + c).join('');
      const rgb: Rgb = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
      out.push({ rgb, alpha: hex.length === 8 ? parseInt(hex.slice(6, 8), 16) / 255 : 1 });
    } else if (match[2]) {
      const parts = match[2].split(/[\s,/]+/).filter(Boolean).map(Number);
      out.push({ rgb: [parts[0]!, parts[1]!, parts[2]!], alpha: parts[3] ?? 1 });
    } else if (match[3]) out.push(NAMED[match[3]]!);
  }
  return out;
}

export const over = (top: Colour, below: Rgb): Rgb => top.rgb.map((c, i) => c * top.alpha + below[i]! * (1 - top.alpha)) as Rgb;

function luminance([r, g, b]: Rgb): number {
  const channel = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2 contrast ratio. */
export function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

export const hexOf = (rgb: Rgb): string => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

// ------------------------------------------------------------------ elements

export interface StyleNode {
  tag: string;
  /** Classes it always has. */
  classes: Set<string>;
  /** Classes a binding may add. */
  maybe: Set<string>;
  parent: StyleNode | null;
  /** Element siblings before it, nearest last. */
  before: StyleNode[];
  /** The rules that reach it (its own template's stylesheets; a component's are its own). */
  rules: Rule[];
  /** Where it comes from, for messages. */
  at: string;
  computed?: Computed;
}

export interface Computed {
  /** Every text colour it may have, as declared (alpha kept). */
  colours: Colour[];
  /** Every background it may sit on, made opaque. */
  backgrounds: Rgb[];
  /** The smallest font size it may have, in rpx. */
  fontSizeRpx: number;
  /** Whether every weight it may have is bold (700 or more). */
  bold: boolean;
  /** Custom properties in scope (the theme variables, and any set on the way down). */
  variables: Map<string, string>;
}

type Match = 'no' | 'possible' | 'certain';
const weaker = (a: Match, b: Match): Match => (a === 'no' || b === 'no' ? 'no' : a === 'possible' || b === 'possible' ? 'possible' : 'certain');

function matchCompound(compound: Compound, node: StyleNode): Match {
  if (compound.pseudoElement || compound.disabledState) return 'no';
  if (compound.tag && compound.tag !== '*' && compound.tag !== node.tag) return 'no';
  let result: Match = compound.conditional ? 'possible' : 'certain';
  for (const name of compound.classes) {
    if (node.classes.has(name)) continue;
    if (node.maybe.has(name)) result = 'possible';
    else return 'no';
  }
  return result;
}

function matchFrom(selector: Selector, index: number, node: StyleNode): Match {
  const { compound, combinator } = selector.compounds[index]!;
  const own = matchCompound(compound, node);
  if (own === 'no' || index === selector.compounds.length - 1) return own;
  const candidates: StyleNode[] = [];
  if (combinator === ' ') for (let up = node.parent; up; up = up.parent) candidates.push(up);
  else if (combinator === '>') {
    if (node.parent) candidates.push(node.parent);
  } else if (combinator === '+') {
    const previous = node.before[node.before.length - 1];
    if (previous) candidates.push(previous);
  } else candidates.push(...node.before);
  let best: Match = 'no';
  for (const candidate of candidates) {
    const result = matchFrom(selector, index + 1, candidate);
    if (result === 'certain') return weaker(own, 'certain');
    if (result === 'possible') best = 'possible';
  }
  return weaker(own, best);
}

export interface Applied {
  property: string;
  value: string;
  certain: boolean;
  specificity: number;
  order: number;
  /** The stylesheet and the selector it comes from. */
  source: string;
  selector: string;
}

/** Declarations of `properties` that may apply to the node, strongest first. */
export function appliedDeclarations(node: StyleNode, properties: readonly string[]): Applied[] {
  const out: Applied[] = [];
  for (const rule of node.rules) {
    for (const selector of rule.selectors) {
      const result = matchFrom(selector, 0, node);
      if (result === 'no') continue;
      for (const [property, value] of rule.declarations) {
        if (properties.includes(property)) {
          out.push({ property, value, certain: result === 'certain', specificity: selector.specificity, order: rule.order, source: rule.source, selector: selector.text });
        }
      }
    }
  }
  return out.sort((a, b) => b.specificity - a.specificity || b.order - a.order);
}

/** What may apply: strongest first down to (and including) the first that surely applies; `inherited` when none surely does. */
function possibilities(node: StyleNode, properties: readonly string[]): { values: string[]; settled: boolean } {
  const values: string[] = [];
  for (const declaration of appliedDeclarations(node, properties)) {
    values.push(declaration.value);
    if (declaration.certain) return { values, settled: true };
  }
  return { values, settled: false };
}

/** A value with its var(--name, fallback) references replaced by what is in scope. */
export function resolveVariables(value: string, variables: Map<string, string>, depth = 0): string {
  if (depth > 20) throw new Error(`var() nests too deep: ${value}`);
  const at = value.indexOf('var(');
  if (at < 0) return value;
  let depthInside = 0;
  let end = at + 4;
  for (; end < value.length; end += 1) {
    if (value[end] === '(') depthInside += 1;
    else if (value[end] === ')') {
      if (depthInside === 0) break;
      depthInside -= 1;
    }
  }
  const inside = value.slice(at + 4, end);
  const comma = splitTopLevel(inside, ',');
  const name = comma[0]!.trim();
  const fallback = comma.slice(1).join(',').trim();
  const defined = variables.get(name);
  const replacement = defined !== undefined ? resolveVariables(defined, variables, depth + 1) : resolveVariables(fallback, variables, depth + 1);
  return resolveVariables(value.slice(0, at) + replacement + value.slice(end + 1), variables, depth + 1);
}

function fontSizeOf(value: string): number | null {
  const match = /(\d+(?:\.\d+)?)(rpx|px)\b/.exec(value);
  if (!match) return null;
  return match[2] === 'px' ? Number(match[1]) * 2 : Number(match[1]);
}

const isBold = (value: string): boolean => value === 'bold' || value === 'bolder' || Number(value) >= 700;

/** Works out (and keeps) the node's possible colours, backgrounds and sizes, its ancestors first. */
export function computeStyle(node: StyleNode): Computed {
  if (node.computed) return node.computed;
  const parent = node.parent ? computeStyle(node.parent) : null;

  const variables = new Map(parent?.variables ?? []);
  // Custom properties set by rules that surely apply, weakest first so the strongest wins.
  for (const rule of node.rules) {
    for (const selector of rule.selectors) {
      if (matchFrom(selector, 0, node) !== 'certain') continue;
      for (const [property, value] of rule.declarations) if (property.startsWith('--')) variables.set(property, value);
    }
  }
  const resolve = (value: string): string => resolveVariables(value, variables);

  const colourValues = possibilities(node, ['color']);
  const colours: Colour[] = [];
  for (const value of colourValues.values.map(resolve)) {
    if (value === 'inherit' || value === 'currentColor') colours.push(...(parent?.colours ?? []));
    else colours.push(...coloursIn(value).slice(0, 1));
  }
  if (!colourValues.settled) colours.push(...(parent?.colours ?? [{ rgb: [0, 0, 0], alpha: 1 }]));

  const below = parent?.backgrounds ?? [[255, 255, 255] as Rgb];
  const backgroundValues = possibilities(node, ['background', 'background-color']);
  const backgrounds: Rgb[] = [];
  for (const value of backgroundValues.values.map(resolve)) {
    const stops = coloursIn(value);
    if (stops.length === 0) backgrounds.push(...below);
    for (const stop of stops) for (const under of below) backgrounds.push(over(stop, under));
  }
  if (!backgroundValues.settled) backgrounds.push(...below);

  const sizeValues = possibilities(node, ['font-size', 'font']);
  const sizes = sizeValues.values.map((value) => fontSizeOf(resolve(value))).filter((size): size is number => size !== null);
  if (!sizeValues.settled || sizes.length === 0) sizes.push(parent?.fontSizeRpx ?? 28);

  const weightValues = possibilities(node, ['font-weight']);
  const bold = weightValues.values.every((value) => isBold(resolve(value))) && (weightValues.settled ? weightValues.values.length > 0 : (parent?.bold ?? false));

  node.computed = { colours: unique(colours), backgrounds: uniqueRgb(backgrounds), fontSizeRpx: Math.min(...sizes), bold, variables };
  return node.computed;
}

const unique = (colours: Colour[]): Colour[] => [...new Map(colours.map((c) => [`${c.rgb.join(',')},${c.alpha}`, c])).values()];
const uniqueRgb = (list: Rgb[]): Rgb[] => [...new Map(list.map((c) => [c.map(Math.round).join(','), c])).values()];

/** A stylesheet path as WeChat resolves it: absolute from the root given, else relative to the importing file. */
export function importResolver(root: string): (target: string, from: string) => string | null {
  return (target, from) => {
    const file = target.startsWith('/') ? path.join(root, target) : path.resolve(path.dirname(from), target);
    return existsSync(file) ? file : null;
  };
}

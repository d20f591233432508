/**
 * Text contrast on every page, read from the styles: each element that shows text is given every
 * colour and background its rules and bindings can give it (app.wxss and its theme variables, the
 * page's stylesheet, the stylesheets of the TDesign and Vant components it uses, whose colours come
 * from the same theme variables), and each pair is held to WCAG 2: 4.5:1, or 3:1 for large text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MINIPROGRAM_ROOT, readWxml, type WxmlElement } from './wxml';
import {
  computeStyle,
  contrast,
  hexOf,
  importResolver,
  loadStylesheet,
  over,
  parseStylesheet,
  type Rgb,
  type Rule,
  type StyleNode,
} from './styles';

const NODE_MODULES = path.join(MINIPROGRAM_ROOT, '..', 'node_modules');
const TDESIGN = path.join(NODE_MODULES, 'tdesign-miniprogram', 'miniprogram_dist');
const VANT = path.join(NODE_MODULES, '@vant', 'weapp', 'lib');

/** WCAG 2.x large text: 18 pt, or 14 pt bold. 750 rpx is the phone's width (375 pt on most phones). */
const LARGE_RPX = 48;
const LARGE_BOLD_RPX = 37.4;

/** What WeChat gives elements before any stylesheet: a native button is grey with black text. */
const NATIVE_RULES = parseStylesheet('button { color: #000000; background-color: #f8f8f8; }', 'WeChat defaults', () => null);

const fromMiniprogram = importResolver(MINIPROGRAM_ROOT);
const sheet = (file: string): Rule[] => loadStylesheet(file, fromMiniprogram);
export const appRules = (): Rule[] => [...NATIVE_RULES, ...sheet(path.join(MINIPROGRAM_ROOT, 'app.wxss'))];

export interface ContrastPair {
  at: string;
  text: string;
  colour: string;
  background: string;
  ratio: number;
  needed: number;
}

/** A text drawn by a node: the node carries its style; `large` is decided from its size and weight. */
export interface DrawnText {
  node: StyleNode;
  text: string;
}

interface Expanded {
  /** Where the element's children (its slot) go. */
  slot: StyleNode;
  /** Texts the component draws from its attributes. */
  texts: DrawnText[];
}

interface PageContext {
  pageRules: Rule[];
  /** Project components the template uses: tag → component path (from the page's json). */
  components: Record<string, string>;
  texts: DrawnText[];
}

const knownClasses = (rules: Rule[]): Set<string> => {
  const out = new Set<string>();
  for (const rule of rules) for (const selector of rule.selectors) for (const { compound } of selector.compounds) for (const name of compound.classes) out.add(name);
  return out;
};

/**
 * The classes of a `class` value: written ones always; those a binding may add (string literals in
 * `{{…}}`, or the stylesheet's classes a `tag--{{theme}}` pattern can produce) maybe.
 */
export function classesOf(value: string | undefined, rules: Rule[]): { classes: Set<string>; maybe: Set<string> } {
  const classes = new Set<string>();
  const maybe = new Set<string>();
  if (!value) return { classes, maybe };
  const known = knownClasses(rules);
  for (const token of value.match(/(?:[^\s{]|\{\{[\s\S]*?\}\})+/g) ?? []) {
    if (!token.includes('{{')) {
      classes.add(token);
      continue;
    }
    if (/^\{\{[\s\S]*\}\}$/.test(token)) {
      for (const literal of token.matchAll(/'([^']*)'|"([^"]*)"/g)) for (const name of (literal[1] ?? literal[2] ?? '').split(/\s+/)) if (known.has(name)) maybe.add(name);
      continue;
    }
    // tag--{{theme}}: each literal the binding can give, or, when it gives none, any class of that shape.
    const literals = [...token.matchAll(/'([^']*)'|"([^"]*)"/g)].map((literal) => literal[1] ?? literal[2] ?? '');
    const pieces = token.split(/\{\{[\s\S]*?\}\}/);
    if (literals.length > 0 && pieces.length === 2) {
      for (const literal of literals) if (known.has(`${pieces[0]}${literal}${pieces[1]}`)) maybe.add(`${pieces[0]}${literal}${pieces[1]}`);
      continue;
    }
    const pattern = new RegExp(`^${pieces.map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\w-]*')}$`);
    for (const name of known) if (pattern.test(name)) maybe.add(name);
  }
  return { classes, maybe };
}

function newNode(tag: string, parent: StyleNode | null, rules: Rule[], classValue: string | undefined, at: string, extra: string[] = []): StyleNode {
  const { classes, maybe } = classesOf(classValue, rules);
  for (const name of extra) classes.add(name);
  const node: StyleNode = { tag, classes, maybe, parent, before: [], rules, at };
  return node;
}

/** Siblings are tracked per parent so that `a + b` selectors can match. */
const lastChildren = new WeakMap<StyleNode, StyleNode[]>();
function attach(node: StyleNode): StyleNode {
  if (node.parent) {
    const siblings = lastChildren.get(node.parent) ?? [];
    node.before = [...siblings];
    siblings.push(node);
    lastChildren.set(node.parent, siblings);
  }
  return node;
}

const tdesignRules = (name: string): Rule[] => sheet(path.join(TDESIGN, name, `${name}.wxss`));
const vantRules = (name: string): Rule[] => sheet(path.join(VANT, name, 'index.wxss'));

const flag = (value: string | undefined): string => (value ?? '').replace(/^\{\{\s*'?|'?\s*\}\}$/g, '');

/**
 * The TDesign and Vant components the pages use, as the elements they render (the classes their
 * templates put on them) styled by their own stylesheets, plus the page's classes passed in
 * (`class`, `t-class`, `custom-class`) on their root.
 */
function expandLibraryComponent(element: WxmlElement, host: StyleNode, context: PageContext): Expanded | null {
  const a = element.attrs;
  const external = [a.class, a['t-class'], a['custom-class']].filter(Boolean).join(' ');
  const root = (rules: Rule[], classes: string[]): StyleNode => attach(newNode(element.tag, host, [...rules, ...context.pageRules], external, element.at, classes));
  const part = (parent: StyleNode, rules: Rule[], classes: string[]): StyleNode => attach(newNode('view', parent, rules, undefined, element.at, classes));
  const texts: DrawnText[] = [];
  const say = (node: StyleNode, text: string | undefined): void => {
    if (text && text.trim()) texts.push({ node, text });
  };
  switch (element.tag) {
    case 't-button': {
      const rules = tdesignRules('button');
      const button = root(rules, ['t-button', `t-button--${flag(a.variant) || 'base'}`, `t-button--${flag(a.theme) || 'default'}`, `t-button--size-${flag(a.size) || 'medium'}`]);
      button.tag = 'button';
      return { slot: part(button, rules, ['t-button__content']), texts };
    }
    case 't-cell': {
      const rules = tdesignRules('cell');
      const cell = root(rules, ['t-cell']);
      const title = part(cell, rules, ['t-cell__title']);
      say(part(title, rules, ['t-cell__title-text']), a.title);
      say(part(title, rules, ['t-cell__description']), a.description);
      say(part(cell, rules, ['t-cell__note']), a.note);
      return { slot: cell, texts };
    }
    case 't-cell-group': {
      const rules = tdesignRules('cell-group');
      const title = part(host, rules, ['t-cell-group__title']);
      say(title, a.title);
      const group = root(rules, ['t-cell-group', `t-cell-group--${flag(a.theme) || 'default'}`]);
      return { slot: group, texts };
    }
    case 't-empty': {
      const rules = tdesignRules('empty');
      const empty = root(rules, ['t-empty']);
      say(part(empty, rules, ['t-empty__description']), a.description);
      return { slot: part(empty, rules, ['t-empty__actions']), texts };
    }
    case 't-loading': {
      const rules = tdesignRules('loading');
      const loading = root(rules, ['t-loading', `t-loading--${flag(a.layout) || 'horizontal'}`]);
      say(part(loading, rules, ['t-loading__text']), a.text);
      return { slot: loading, texts };
    }
    case 't-input': {
      const rules = tdesignRules('input');
      const input = root(rules, ['t-input', 't-input--border', `t-input--layout-${flag(a.layout) || 'horizontal'}`]);
      say(part(part(input, rules, ['t-input__wrap--prefix']), rules, ['t-input__label']), a.label);
      const wrap = part(input, rules, ['t-input__wrap']);
      const content = attach(newNode('view', wrap, rules, `t-input__content t-input--${a.status ?? 'default'}`, element.at));
      say(part(content, rules, ['t-input__control']), a.value);
      say(part(content, rules, ['t-input__placeholder']), a.placeholder);
      say(part(wrap, rules, ['t-input__tips']), a.tips);
      return { slot: input, texts };
    }
    case 't-popup': {
      const rules = tdesignRules('popup');
      const popup = root(rules, ['t-popup', `t-popup--${flag(a.placement) || 'top'}`]);
      return { slot: part(popup, rules, ['t-popup__content']), texts };
    }
    case 't-icon':
      // A glyph, not text (and hidden from screen readers where it only decorates).
      return { slot: root(tdesignRules('icon'), ['t-icon']), texts };
    case 'van-submit-bar': {
      const rules = vantRules('submit-bar');
      const bar = root(rules, ['van-submit-bar']);
      // bar-class and button-class: the page's classes on the bar and on the button, styled by the page.
      const inner = attach(newNode('view', bar, [...rules, ...context.pageRules], a['bar-class'], element.at, ['van-submit-bar__bar']));
      // The van-button host, which hands the bar's button height down to the button as Vant's button variables.
      const host = part(inner, rules, ['van-submit-bar__button']);
      const buttonRules = [...vantRules('button'), ...context.pageRules];
      const button = attach(newNode('button', host, buttonRules, a['button-class'], element.at, ['van-button', 'van-button--primary', 'van-button--normal', 'van-button--round']));
      say(button, a['button-text']);
      return { slot: inner, texts };
    }
    default:
      return null;
  }
}

function walk(element: WxmlElement, parent: StyleNode, context: PageContext): void {
  for (const child of element.children) {
    if (child.kind === 'text') {
      context.texts.push({ node: parent, text: child.text.trim() });
      continue;
    }
    if (child.tag === 'block' || child.tag === 'slot' || child.tag === 'template' || child.tag === 'wxs' || child.tag === 'import') {
      if (child.tag === 'block') walk(child, parent, context);
      continue;
    }
    const library = expandLibraryComponent(child, parent, context);
    if (library) {
      context.texts.push(...library.texts);
      walk(child, library.slot, context);
      continue;
    }
    const own = context.components[child.tag];
    if (own) {
      // apply-shared: the app's and the page's styles reach into the component, its own too.
      const host = attach(newNode(child.tag, parent, context.pageRules, child.attrs.class, child.at));
      const componentRules = [...context.pageRules, ...sheet(path.join(MINIPROGRAM_ROOT, `${own}.wxss`))];
      const inner: PageContext = { pageRules: componentRules, components: componentsOf(`${own.replace(/^\//, '')}.json`), texts: context.texts };
      walkTemplate(readWxml(`${own.replace(/^\//, '')}.wxml`), host, inner, child.attrs);
      continue;
    }
    const node = attach(newNode(child.tag, parent, context.pageRules, child.attrs.class, child.at));
    // What a native field shows is its value, drawn in its own colour (WeChat styles the placeholder).
    if ((child.tag === 'input' || child.tag === 'textarea') && child.attrs.value) context.texts.push({ node, text: child.attrs.value });
    walk(child, node, context);
  }
}

/** A component's template under its host; `title="…"` and the like become the text they bind. */
function walkTemplate(template: WxmlElement, host: StyleNode, context: PageContext, properties: Record<string, string>): void {
  const bound = (text: string): string => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => properties[name] ?? whole);
  const rewrite = (node: WxmlElement): WxmlElement => ({
    ...node,
    attrs: Object.fromEntries(Object.entries(node.attrs).map(([key, value]) => [key, bound(value)])),
    children: node.children.map((child) => (child.kind === 'text' ? { kind: 'text', text: bound(child.text) } : rewrite(child))),
  });
  walk(rewrite(template), host, context);
}

/** The project's own components a template may use: app.json's (global) and its json's. */
function componentsOf(jsonFile: string): Record<string, string> {
  const own = (file: string): [string, string][] => {
    const json = JSON.parse(readFileSync(path.join(MINIPROGRAM_ROOT, file), 'utf8')) as { usingComponents?: Record<string, string> };
    return Object.entries(json.usingComponents ?? {}).filter(([, target]) => target.startsWith('/'));
  };
  return Object.fromEntries([...own('app.json'), ...own(jsonFile)]);
}

/** Every text the template can show, each with the element (styled) that draws it. */
export function textsOf(template: WxmlElement, pageRules: Rule[], components: Record<string, string> = {}): DrawnText[] {
  const root: StyleNode = { tag: 'page', classes: new Set(), maybe: new Set(), parent: null, before: [], rules: pageRules, at: 'page' };
  const context: PageContext = { pageRules, components, texts: [] };
  walk(template, root, context);
  return context.texts;
}

/**
 * The states a text element can be in: none of the classes its bindings may add, or one of them
 * (so a tag's colour is paired with its own background, not another variant's).
 */
function statesOf(node: StyleNode): StyleNode[] {
  const state = (added: string[]): StyleNode => ({ ...node, classes: new Set([...node.classes, ...added]), maybe: new Set(), computed: undefined });
  return [state([]), ...[...node.maybe].map((name) => state([name]))];
}

/** Every text colour / background pair a template can show, with its ratio and the ratio it needs. */
export function contrastPairs(template: WxmlElement, pageRules: Rule[], components: Record<string, string> = {}): ContrastPair[] {
  const pairs = new Map<string, ContrastPair>();
  for (const { node, text } of textsOf(template, pageRules, components)) {
    for (const state of statesOf(node)) {
      const style = computeStyle(state);
      const large = style.fontSizeRpx >= LARGE_RPX || (style.bold && style.fontSizeRpx >= LARGE_BOLD_RPX);
      for (const colour of style.colours) {
        for (const background of style.backgrounds) {
          const drawn: Rgb = over(colour, background);
          const pair = {
            at: node.at,
            text: text.replace(/\s+/g, ' ').slice(0, 24),
            colour: hexOf(drawn),
            background: hexOf(background),
            ratio: Number(contrast(drawn, background).toFixed(2)),
            needed: large ? 3 : 4.5,
          };
          pairs.set(JSON.stringify(pair), pair);
        }
      }
    }
  }
  return [...pairs.values()];
}

/** The pairs below the ratio WCAG asks for. */
export const contrastProblems = (template: WxmlElement, pageRules: Rule[], components: Record<string, string> = {}): ContrastPair[] =>
  contrastPairs(template, pageRules, components).filter((pair) => pair.ratio < pair.needed);

const pageRulesOf = (route: string): Rule[] => [...appRules(), ...sheet(path.join(MINIPROGRAM_ROOT, `${route}.wxss`))];

/** A page of the mini program (e.g. "pages/mine/index") as it is styled: app.wxss, its own stylesheet, its components. */
export const pagePairs = (route: string): ContrastPair[] => contrastPairs(readWxml(`${route}.wxml`), pageRulesOf(route), componentsOf(`${route}.json`));

/** The texts of a page, each with the element that draws it, styled as on the page. */
export const pageTexts = (route: string): DrawnText[] => textsOf(readWxml(`${route}.wxml`), pageRulesOf(route), componentsOf(`${route}.json`));

/**
 * Opens a real page of the mini program in miniprogram-simulate, with the real TDesign and Vant
 * components (packed in miniprogram/miniprogram_npm, as WeChat DevTools packs them), and gives
 * tests what a student has: the visible text and taps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MINIPROGRAM_ROOT } from './paths';
import { recordedCalls } from './wx-fake';

/**
 * The DOM as far as the tests use it. Declared here rather than taken from lib.dom, which the
 * repository's Node type-check does not load.
 */
export interface DomElement {
  nodeType: number;
  textContent: string | null;
  children: ArrayLike<DomElement>;
  remove(): void;
  appendChild(child: DomElement): void;
}

interface DomDocument {
  body: DomElement;
  createElement(tagName: string): DomElement;
}

const ELEMENT_NODE = 1;

function domDocument(): DomDocument {
  return (globalThis as unknown as { document: DomDocument }).document;
}

/** The part of j-component's API the tests use. */
export interface RenderedComponent {
  /** Undefined for a virtual host (TDesign components), which renders no node of its own. */
  readonly dom: DomElement | undefined;
  instance: Record<string, unknown> & { data: Record<string, unknown> };
  querySelector(selector: string): RenderedComponent | null;
  querySelectorAll(selector: string): RenderedComponent[];
  dispatchEvent(eventName: string, options?: Record<string, unknown>): void;
  attach(parent: DomElement): void;
  detach(): void;
}

interface SimulateModule {
  load(componentPath: string, options: Record<string, unknown>): string;
  render(id: string, properties?: Record<string, unknown>): RenderedComponent;
}

// Required, not imported: see setup.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const simulate = require('miniprogram-simulate') as SimulateModule;

interface ComponentJson {
  usingComponents?: Record<string, string>;
}

/**
 * The npm components a json file (app.json or a page's) names, resolved the way DevTools resolves
 * them: a path that is neither relative nor absolute names a package in miniprogram_npm.
 * miniprogram-simulate resolves relative and absolute paths itself, but not these.
 */
function npmComponents(jsonFile: string): Record<string, string> {
  const json = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM_ROOT, jsonFile), 'utf8')) as ComponentJson;
  const out: Record<string, string> = {};
  for (const [tag, target] of Object.entries(json.usingComponents ?? {})) {
    if (!target.startsWith('/') && !target.startsWith('.')) out[tag] = `/miniprogram_npm/${target}`;
  }
  return out;
}

/** app.json's global components and the page's own npm components (TDesign's, Vant's). */
function componentsFor(route: string): Record<string, string> {
  const appJson = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM_ROOT, 'app.json'), 'utf8')) as ComponentJson;
  return { ...appJson.usingComponents, ...npmComponents('app.json'), ...npmComponents(`${route}.json`) };
}

/** Visible text: whitespace collapsed, as a student would read it. */
export function visibleText(node: RenderedComponent | DomElement): string {
  const dom = 'dom' in node ? node.dom : node;
  return (dom?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  describe: () => string,
  timeoutMs = 15000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The back-end calls made so far and how they ended, for failure messages. */
function describeRequests(): string {
  const requests = recordedCalls('request');
  if (requests.length === 0) return '\nNo back-end request was made.';
  return `\nBack-end requests:\n${requests
    .map((call) => `  ${String(call.options.method)} ${String(call.options.url)} ${JSON.stringify(call.options.data)} → ${call.outcome ?? '(no answer yet)'}`)
    .join('\n')}`;
}

type ExparserNode = { $$?: DomElement; shadowRoot?: { childNodes: ExparserNode[] } };
type WxElement = DomElement & { __wxElement?: ExparserNode };

/** A j-component wrapper around any exparser node (j-component's Component class takes the node). */
function wrap(like: RenderedComponent, node: ExparserNode | undefined): RenderedComponent {
  if (!node) throw new Error('No mini program element behind this DOM node');
  let ctor = like.constructor as unknown as { name: string };
  // The root is a RootComponent (built from a definition); its base class wraps a node.
  if (ctor.name === 'RootComponent') ctor = Object.getPrototypeOf(ctor) as { name: string };
  const Wrapper = ctor as unknown as new (n: ExparserNode) => RenderedComponent;
  return new Wrapper(node);
}

/**
 * Where a finger lands on what `found` names: a plain element is tapped itself; a component
 * (TDesign's virtual hosts, Vant's real ones) on its first rendered element inside, where its own
 * tap handler sits (the tap bubbles out of the component from there).
 */
function tapTarget(found: RenderedComponent): RenderedComponent {
  const node = (found as unknown as { _exparserNode: ExparserNode })._exparserNode;
  if (found.dom && !node.shadowRoot) return found;
  const first = node.shadowRoot?.childNodes.find((child) => child.$$?.nodeType === ELEMENT_NODE || child.shadowRoot);
  if (!first) {
    if (found.dom) return found;
    throw new Error('This component renders nothing to tap');
  }
  return tapTarget(wrap(found, first));
}

/**
 * The element `selector` names. `>>>` steps into a component's own template:
 * "#pay-bar >>> .van-submit-bar__button" is the button inside the page's #pay-bar component.
 */
function select(root: RenderedComponent, selector: string): RenderedComponent | null {
  let found: RenderedComponent | null = root;
  for (const part of selector.split('>>>').map((piece) => piece.trim())) {
    found = found?.querySelector(part) ?? null;
  }
  return found;
}

function deepestElementWithText(dom: DomElement, text: string): WxElement | undefined {
  if (!(dom.textContent ?? '').includes(text)) return undefined;
  for (const child of Array.from(dom.children)) {
    const deeper = deepestElementWithText(child, text);
    if (deeper) return deeper;
  }
  return (dom as WxElement).__wxElement ? (dom as WxElement) : undefined;
}

/** Lets the deferred event dispatch and the handlers' synchronous work run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface OpenedPage {
  root: RenderedComponent;
  /** The page's visible text. */
  text(): string;
  /** Resolves once `expected` is on screen; fails with what is on screen instead. */
  waitForText(expected: string, timeoutMs?: number): Promise<void>;
  /** The element or component matching `selector` (`>>>` steps into a component); throws when there is none. */
  find(selector: string): RenderedComponent;
  /**
   * Taps what `selector` names. A component is tapped on its first inner node, where its own tap
   * handler sits (TDesign components are virtual hosts, with no node of their own).
   */
  tap(selector: string): Promise<void>;
  /** Taps the innermost element showing `text`, as a finger would; the tap bubbles from there. */
  tapText(text: string): Promise<void>;
  /** Waits for the page's back-end calls to finish, then removes the page (as navigating away does). */
  close(): Promise<void>;
}

const loaded = new Map<string, string>();

/**
 * Registers a page and the components it uses, once per test file: the page module runs its
 * Component() call when first required, and Jest's module registry does not run it again.
 */
function loadOnce(route: string): string {
  let id = loaded.get(route);
  if (!id) {
    id = simulate.load(path.join(MINIPROGRAM_ROOT, route), {
      rootPath: MINIPROGRAM_ROOT,
      usingComponents: componentsFor(route),
      // wcc compiles every .wxml under the root (TDesign and Vant included) in one go; its output
      // is past the compiler's default 1 MB buffer.
      compilerOptions: { maxBuffer: 32 * 1024 * 1024 },
    });
    loaded.set(route, id);
  }
  return id;
}

/** Resolves once every back-end request made so far has been answered (or has failed). */
export async function requestsSettled(timeoutMs = 15000): Promise<void> {
  await waitFor(
    () => recordedCalls('request').every((call) => call.outcome !== undefined),
    () => `the back-end requests to finish${describeRequests()}`,
    timeoutMs,
  );
  // Let the pages apply the answers (setData) before going on.
  await settle();
  await settle();
}

/**
 * Loads `route` (e.g. "pages/mine/index"), renders it, then runs the page lifecycle the way WeChat
 * does for a page built with Component(): onLoad(query), then onShow().
 */
export async function openPage(route: string, query: Record<string, string> = {}): Promise<OpenedPage> {
  const root = simulate.render(loadOnce(route));
  const host = domDocument().createElement('div');
  domDocument().body.appendChild(host);
  root.attach(host);

  const instance = root.instance as Record<string, unknown>;
  const lifecycle = (name: string, ...args: unknown[]) => {
    const fn = instance[name];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => unknown).apply(instance, args);
  };
  lifecycle('onLoad', query);
  lifecycle('onShow');

  const page: OpenedPage = {
    root,
    text: () => visibleText(root),
    async waitForText(expected, timeoutMs) {
      await waitFor(
        () => visibleText(root).includes(expected),
        () => `"${expected}" on ${route}; the page shows: "${visibleText(root)}"${describeRequests()}`,
        timeoutMs,
      );
    },
    find(selector) {
      const found = select(root, selector);
      if (!found) throw new Error(`No "${selector}" on ${route}; the page shows: "${visibleText(root)}"`);
      return found;
    },
    async tap(selector) {
      tapTarget(page.find(selector)).dispatchEvent('tap');
      await settle();
    },
    async tapText(text) {
      const element = root.dom && deepestElementWithText(root.dom, text);
      if (!element) throw new Error(`Nothing showing "${text}" on ${route}; the page shows: "${visibleText(root)}"`);
      wrap(root, element.__wxElement).dispatchEvent('tap');
      await settle();
    },
    async close() {
      await requestsSettled();
      root.detach();
      host.remove();
    },
  };
  return page;
}

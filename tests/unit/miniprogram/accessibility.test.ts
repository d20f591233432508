/**
 * What WeChat's screen reader (读屏) needs from every template, and text that grows with the
 * system font: each element a finger can tap says what it is (aria-role, or a button by nature)
 * and what it does (its text, or aria-label); tabs carry aria-role="tab" and aria-selected inside
 * a tablist; ticks carry aria-checked; sheets and popups are dialogs with a name; no `role=`
 * (WeChat reads only aria-role); and no text sits in a box of fixed height or line height.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { appRules, pageTexts, textsOf, type DrawnText } from './contrast';
import { appliedDeclarations, parseStylesheet, type StyleNode } from './styles';
import { elementsOf, listWxmlFiles, MINIPROGRAM_ROOT, parseWxml, readWxml, textOf, type WxmlElement } from './wxml';

const TAP_ATTRIBUTES = ['bindtap', 'bind:tap', 'catchtap', 'catch:tap', 'capture-bind:tap', 'capture-catch:tap'];
/** Elements a screen reader announces as buttons without being told. */
const BUTTON_TAGS = new Set(['button', 't-button', 'van-button', 'navigator']);
const DIALOG_COMPONENTS = new Set(['t-popup', 't-dialog', 't-action-sheet', 't-drawer', 'van-popup', 'van-dialog', 'van-action-sheet']);
const CHECKING_ROLES = new Set(['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio']);

const classTokens = (element: WxmlElement): string[] => (element.attrs.class ?? '').replace(/\{\{[\s\S]*?\}\}/g, ' ').split(/\s+/).filter(Boolean);
const roleOf = (element: WxmlElement): string => (element.attrs['aria-role'] ?? '').trim();
const isTappable = (element: WxmlElement): boolean => TAP_ATTRIBUTES.some((name) => name in element.attrs) || BUTTON_TAGS.has(element.tag) || 'open-type' in element.attrs;
const hasName = (element: WxmlElement): boolean => Boolean((element.attrs['aria-label'] ?? '').trim() || textOf(element) || element.attrs.content);
/** A tab by its look (`tabs__item`, `mode-switch__item`) or by what it says it is. */
const isTab = (element: WxmlElement): boolean =>
  roleOf(element) === 'tab' || element.attrs.role === 'tab' || classTokens(element).some((name) => /(^|-)(tabs?|switch)__item$/.test(name));
/** A tick box drawn by hand (`tick`, `check`) or a checkbox component. */
const isTick = (element: WxmlElement): boolean =>
  ['checkbox', 't-checkbox', 'van-checkbox', 'switch', 't-switch', 'van-switch'].includes(element.tag) || classTokens(element).some((name) => /^(tick|check|checkbox)$/.test(name));
/** A sheet or dialog drawn by hand: a block class named so (`sheet`, `privacy-dialog`, `confirm-modal`). */
const isHandmadeDialog = (element: WxmlElement): boolean => classTokens(element).some((name) => !name.includes('__') && !name.includes('--') && /(^|-)(sheet|dialog|modal)$/.test(name));

function nameOf(element: WxmlElement): string {
  const id = element.attrs.id ? `#${element.attrs.id}` : '';
  const classes = classTokens(element).slice(0, 2).map((name) => `.${name}`).join('');
  const text = textOf(element).replace(/\s+/g, ' ').slice(0, 16);
  return `<${element.tag}${id}${classes}>${text ? ` ${text}` : ''}`;
}

const nearestTappable = (element: WxmlElement): WxmlElement | null => {
  for (let at: WxmlElement | null = element; at && at.tag !== '#root'; at = at.parent) if (isTappable(at)) return at;
  return null;
};

/** What a template still lacks for the screen reader, one line per element. */
export function accessibilityProblems(template: WxmlElement, file: string): string[] {
  const problems: string[] = [];
  const say = (element: WxmlElement, what: string): void => {
    problems.push(`${file} ${nameOf(element)}: ${what}`);
  };
  for (const element of elementsOf(template)) {
    if ('role' in element.attrs) say(element, 'role= is not read by WeChat: use aria-role');
    if (isTappable(element)) {
      if (!roleOf(element) && !BUTTON_TAGS.has(element.tag)) say(element, 'tappable without aria-role');
      if (!hasName(element)) say(element, 'tappable without text or aria-label');
    }
    if (isTab(element)) {
      if (roleOf(element) !== 'tab') say(element, 'tab without aria-role="tab"');
      if (!('aria-selected' in element.attrs)) say(element, 'tab without aria-selected');
      if (element.parent && roleOf(element.parent) !== 'tablist') say(element, 'tab outside an aria-role="tablist"');
    }
    if (isTick(element)) {
      const control = nearestTappable(element) ?? element;
      if (!CHECKING_ROLES.has(roleOf(control))) say(control, 'tick without aria-role="checkbox"');
      if (!('aria-checked' in control.attrs)) say(control, 'tick without aria-checked');
    }
    if (CHECKING_ROLES.has(roleOf(element)) && !('aria-checked' in element.attrs)) say(element, `${roleOf(element)} without aria-checked`);
    if (DIALOG_COMPONENTS.has(element.tag)) {
      const dialog = elementsOf(element).find((inside) => ['dialog', 'alertdialog'].includes(roleOf(inside)));
      if (!dialog) say(element, 'popup without an aria-role="dialog" inside');
      else if (!dialog.attrs['aria-label']) say(dialog, 'dialog without aria-label');
    }
    if (isHandmadeDialog(element)) {
      if (!['dialog', 'alertdialog'].includes(roleOf(element))) say(element, 'sheet without aria-role="dialog"');
      if (!element.attrs['aria-label']) say(element, 'sheet without aria-label');
    }
  }
  return problems;
}

interface AppJson {
  pages: string[];
  subPackages: { root: string; pages: string[] }[];
}
const appJson = JSON.parse(readFileSync(path.join(MINIPROGRAM_ROOT, 'app.json'), 'utf8')) as AppJson;
const ROUTES = [...appJson.pages, ...appJson.subPackages.flatMap((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`))];

/** Text held in a box of fixed height or line height (in rpx or px), from the project's own stylesheets. */
function fixedHeightProblems(texts: DrawnText[]): string[] {
  const problems = new Set<string>();
  for (const { node } of texts) {
    for (let at: StyleNode | null = node; at; at = at.parent) {
      for (const declaration of appliedDeclarations(at, ['height', 'line-height'])) {
        if (!declaration.source.startsWith(MINIPROGRAM_ROOT) || !/^\d+(\.\d+)?(rpx|px)$/.test(declaration.value)) continue;
        const sheet = path.relative(MINIPROGRAM_ROOT, declaration.source).split(path.sep).join('/');
        problems.add(`${sheet} ${declaration.selector} { ${declaration.property}: ${declaration.value} }: holds text; use min-height, or a line height without units`);
      }
    }
  }
  return [...problems];
}

describe('accessibility of every template', () => {
  const allProblems = [
    ...listWxmlFiles().flatMap((file) => accessibilityProblems(readWxml(file), file)),
    ...new Set(ROUTES.flatMap((route) => fixedHeightProblems(pageTexts(route)))),
  ];

  it('every template is clean', () => {
    expect(allProblems).toEqual([]);
  });

  it('walks every page and component template', () => {
    const files = listWxmlFiles();
    for (const route of ROUTES) expect(files).toContain(`${route}.wxml`);
    expect(files).toContain('components/help-lines/index.wxml');
  });
});

describe('the check bites', () => {
  const problemsOf = (source: string): string[] => accessibilityProblems(parseWxml(source, 'example.wxml'), 'example.wxml');

  it('fails plain text that acts as a button, and passes it with a role (its text names it)', () => {
    expect(problemsOf('<view id="send" bindtap="onSend">发送到邮箱</view>')).toEqual(['example.wxml <view#send> 发送到邮箱: tappable without aria-role']);
    expect(problemsOf('<view id="send" bindtap="onSend" aria-role="button">发送到邮箱</view>')).toEqual([]);
    expect(problemsOf('<view bindtap="onOpen" aria-role="button"><t-cell title="我的发票" /></view>')).toEqual(['example.wxml <view>: tappable without text or aria-label']);
    expect(problemsOf('<t-button bind:tap="onRetry">重试</t-button>')).toEqual([]);
  });

  it('fails tabs with role= and without aria-selected, ticks without aria-checked, sheets without a dialog role', () => {
    expect(problemsOf('<view role="tablist"><view class="tabs__item" role="tab" bind:tap="onTab">待缴费</view></view>')).toEqual([
      'example.wxml <view> 待缴费: role= is not read by WeChat: use aria-role',
      'example.wxml <view.tabs__item> 待缴费: role= is not read by WeChat: use aria-role',
      'example.wxml <view.tabs__item> 待缴费: tappable without aria-role',
      'example.wxml <view.tabs__item> 待缴费: tab without aria-role="tab"',
      'example.wxml <view.tabs__item> 待缴费: tab without aria-selected',
      'example.wxml <view.tabs__item> 待缴费: tab outside an aria-role="tablist"',
    ]);
    expect(problemsOf('<view class="bill" bind:tap="onBill" aria-role="button" aria-label="学费"><view class="tick" /></view>')).toEqual([
      'example.wxml <view.bill>: tick without aria-role="checkbox"',
      'example.wxml <view.bill>: tick without aria-checked',
    ]);
    expect(problemsOf('<view class="sheet-mask"><view class="sheet">发送到邮箱</view></view>')).toEqual([
      'example.wxml <view.sheet> 发送到邮箱: sheet without aria-role="dialog"',
      'example.wxml <view.sheet> 发送到邮箱: sheet without aria-label',
    ]);
    expect(problemsOf('<t-popup visible="{{open}}"><view>取消订单</view></t-popup>')).toEqual(['example.wxml <t-popup> 取消订单: popup without an aria-role="dialog" inside']);
  });

  it('fails text in a box of fixed height, and passes it with min-height', () => {
    const tab = parseWxml('<view class="tab">待缴费</view>', 'example.wxml');
    const styled = (css: string) => textsOf(tab, [...appRules(), ...parseStylesheet(css, path.join(MINIPROGRAM_ROOT, 'example.wxss'), () => null)]);
    expect(fixedHeightProblems(styled('.tab { height: 96rpx; font-size: 28rpx; }'))).toEqual([
      'example.wxss .tab { height: 96rpx }: holds text; use min-height, or a line height without units',
    ]);
    expect(fixedHeightProblems(styled('.tab { min-height: 96rpx; line-height: 1.5; }'))).toEqual([]);
  });
});

/**
 * What WeChat's screen reader (读屏) needs from every template, and text that grows with the
 * system font: each element a finger can tap says what it is (aria-role, or a button by nature)
 * and what it does (its text, or aria-label); tabs carry aria-role="tab" and aria-selected inside
 * a tablist; ticks carry aria-checked; sheets and popups are dialogs with a name; a button holds
 * neither a dialog nor another control (the reader may announce only the button); no `role=`
 * (WeChat reads only aria-role); and no text sits in a box of fixed height or line height, set
 * directly or through a variable that a TDesign or Vant component uses as its height.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { appRules, pageTexts, textsOf, type DrawnText } from './contrast';
import { appliedDeclarations, computeStyle, parseStylesheet, resolveVariables, type Applied, type StyleNode } from './styles';
import { elementsOf, listWxmlFiles, MINIPROGRAM_ROOT, parseWxml, readWxml, textOf, type WxmlElement } from './wxml';

const TAP_ATTRIBUTES = ['bindtap', 'bind:tap', 'catchtap', 'catch:tap', 'capture-bind:tap', 'capture-catch:tap'];
/** Elements a screen reader announces as buttons without being told. */
const BUTTON_TAGS = new Set(['button', 't-button', 'van-button', 'navigator']);
const DIALOG_COMPONENTS = new Set(['t-popup', 't-dialog', 't-action-sheet', 't-drawer', 'van-popup', 'van-dialog', 'van-action-sheet']);
const CHECKING_ROLES = new Set(['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio']);

/** Controls by nature: a field, a picker, a switch takes input without being tapped as a button. */
const CONTROL_TAGS = new Set(['input', 'textarea', 'picker', 'slider', 'switch', 'checkbox', 'radio', 't-input', 't-textarea', 't-checkbox', 't-radio', 't-switch', 't-stepper', 'van-field', 'van-checkbox', 'van-radio', 'van-switch', 'van-stepper']);
const CONTROL_ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'textbox', 'combobox', 'slider']);
const DIALOG_ROLES = new Set(['dialog', 'alertdialog']);

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

/** Read as one button: whatever it holds is announced as part of it, or not at all. */
const isButtonRole = (element: WxmlElement): boolean => ['button', 'link'].includes(roleOf(element)) || BUTTON_TAGS.has(element.tag);
const isDialog = (element: WxmlElement): boolean => DIALOG_ROLES.has(roleOf(element)) || DIALOG_COMPONENTS.has(element.tag) || isHandmadeDialog(element);
const isControl = (element: WxmlElement): boolean => isTappable(element) || CONTROL_TAGS.has(element.tag) || CONTROL_ROLES.has(roleOf(element));

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
    if (isButtonRole(element)) {
      // A dialog or a control inside a button may be read only as the button, and tapped only as it.
      for (const inside of elementsOf(element)) {
        if (isDialog(inside)) say(element, `a button that holds a dialog (${nameOf(inside)}): make them siblings`);
        else if (isControl(inside)) say(element, `a button that holds another control (${nameOf(inside)}): make them siblings`);
      }
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

/** A length that does not grow with the system font (rpx, px); a unitless line height, auto or min-height do. */
const isFixedLength = (value: string): boolean => /^\d+(\.\d+)?(rpx|px)$/.test(value.trim());
/** The properties that fix a text box: height, line-height, and the line height inside `font` (`600 32rpx / 48rpx …`). */
const BOX_PROPERTIES = ['height', 'line-height', 'font'];
const heldLength = (property: string, value: string): string | null => (property === 'font' ? (/\/\s*([^\s,]+)/.exec(value)?.[1] ?? null) : value);
const isOwnSheet = (source: string): boolean => source.startsWith(MINIPROGRAM_ROOT);
const sheetName = (source: string): string => path.relative(MINIPROGRAM_ROOT, source).split(path.sep).join('/');

/** The var(--name, fallback) references of a value, outermost only: a fallback counts only where its variable is unset. */
function variableReferences(value: string): { name: string; fallback: string }[] {
  const out: { name: string; fallback: string }[] = [];
  for (let at = value.indexOf('var('); at >= 0; at = value.indexOf('var(', at)) {
    let depth = 0;
    let end = at + 4;
    for (; end < value.length && !(value[end] === ')' && depth === 0); end += 1) {
      if (value[end] === '(') depth += 1;
      else if (value[end] === ')') depth -= 1;
    }
    const inside = value.slice(at + 4, end);
    const comma = inside.indexOf(',');
    out.push({ name: (comma < 0 ? inside : inside.slice(0, comma)).trim(), fallback: comma < 0 ? '' : inside.slice(comma + 1) });
    at = end + 1;
  }
  return out;
}

/** The declarations that may set custom property `name` where `node` reads it: its own, else the nearest ancestor's. */
function settingsOf(node: StyleNode, name: string): { node: StyleNode; declaration: Applied }[] {
  for (let at: StyleNode | null = node; at; at = at.parent) {
    const declared = appliedDeclarations(at, [name]);
    if (declared.length === 0) continue;
    const certain = declared.findIndex((declaration) => declaration.certain);
    return declared.slice(0, certain < 0 ? undefined : certain + 1).map((declaration) => ({ node: at, declaration }));
  }
  return [];
}

/**
 * The project's own custom properties that a height or line height of a library component takes
 * (Vant's `height: var(--submit-bar-height, 50px)`, TDesign's `height: var(--td-button-medium-height, 80rpx)`)
 * and that give it a fixed length: followed through the component's own variables to the one the
 * project sets.
 */
function fixedVariables(node: StyleNode, property: string, value: string, seen = new Set<string>()): Applied[] {
  const out: Applied[] = [];
  for (const { name, fallback } of variableReferences(value)) {
    const settings = settingsOf(node, name);
    if (settings.length === 0) out.push(...fixedVariables(node, property, fallback, seen));
    for (const setting of settings) {
      const key = `${setting.declaration.source}|${setting.declaration.selector}|${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (isOwnSheet(setting.declaration.source)) {
        const resolved = resolveVariables(setting.declaration.value, computeStyle(setting.node).variables);
        const held = heldLength(property, resolved);
        if (held !== null && isFixedLength(held)) out.push(setting.declaration);
      } else out.push(...fixedVariables(setting.node, property, setting.declaration.value, seen));
    }
  }
  return out;
}

/**
 * Text held in a box of fixed height or line height (in rpx or px): set in the project's own
 * stylesheets, directly or through a variable that a component's stylesheet uses as the height.
 */
function fixedHeightProblems(texts: DrawnText[]): string[] {
  const problems = new Set<string>();
  for (const { node } of texts) {
    for (let at: StyleNode | null = node; at; at = at.parent) {
      for (const declaration of appliedDeclarations(at, BOX_PROPERTIES)) {
        const used = declaration.property === 'font' ? 'line-height' : declaration.property;
        const held = heldLength(declaration.property, declaration.value);
        if (isOwnSheet(declaration.source) && held !== null && isFixedLength(held)) {
          problems.add(`${sheetName(declaration.source)} ${declaration.selector} { ${declaration.property}: ${declaration.value} }: holds text; use min-height, or a line height without units`);
        }
        for (const setting of fixedVariables(at, declaration.property, declaration.value)) {
          problems.add(
            `${sheetName(setting.source)} ${setting.selector} { ${setting.property}: ${setting.value} }: ${declaration.selector} takes it as its ${used} and holds text; let it grow (min-height), or a line height without units`,
          );
        }
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

  it('fails a button that holds a dialog or another control, and passes them as siblings', () => {
    // The 发送到邮箱 sheet as it was: the close overlay wrapped the dialog and its field and buttons.
    expect(
      problemsOf(
        '<view class="sheet-mask" bind:tap="onClose" aria-role="button" aria-label="关闭，不发送"><view class="sheet" aria-role="dialog" aria-label="发送到邮箱"><input id="mail" /><t-button bind:tap="onSend">发送</t-button></view></view>',
      ),
    ).toEqual([
      'example.wxml <view.sheet-mask> 发送: a button that holds a dialog (<view.sheet> 发送): make them siblings',
      'example.wxml <view.sheet-mask> 发送: a button that holds another control (<input#mail>): make them siblings',
      'example.wxml <view.sheet-mask> 发送: a button that holds another control (<t-button> 发送): make them siblings',
    ]);
    expect(
      problemsOf(
        '<view class="sheet" aria-role="dialog" aria-modal="true" aria-label="发送到邮箱"><input id="mail" /><t-button bind:tap="onSend">发送</t-button></view><view class="sheet-mask" bind:tap="onClose" aria-role="button" aria-label="关闭，不发送" />',
      ),
    ).toEqual([]);
    // A card read as one button with a text button inside it.
    expect(problemsOf('<view bind:tap="onOpen" aria-role="button" aria-label="票据"><view id="send" catch:tap="onSend" aria-role="button">发送到邮箱</view></view>')).toEqual([
      'example.wxml <view> 发送到邮箱: a button that holds another control (<view#send> 发送到邮箱): make them siblings',
    ]);
    expect(problemsOf('<t-popup visible="{{open}}"><view bind:tap="onPick" aria-role="button" aria-label="选择"><t-popup /></view></t-popup>')).toContain(
      'example.wxml <view>: a button that holds a dialog (<t-popup>): make them siblings',
    );
  });

  it('fails text in a box of fixed height, and passes it with min-height', () => {
    const tab = parseWxml('<view class="tab">待缴费</view>', 'example.wxml');
    const styled = (css: string) => textsOf(tab, [...appRules(), ...parseStylesheet(css, path.join(MINIPROGRAM_ROOT, 'example.wxss'), () => null)]);
    expect(fixedHeightProblems(styled('.tab { height: 96rpx; font-size: 28rpx; }'))).toEqual([
      'example.wxss .tab { height: 96rpx }: holds text; use min-height, or a line height without units',
    ]);
    expect(fixedHeightProblems(styled('.tab { min-height: 96rpx; line-height: 1.5; }'))).toEqual([]);
  });

  const styledExample = (template: string, css: string): DrawnText[] =>
    textsOf(parseWxml(template, 'example.wxml'), [...appRules(), ...parseStylesheet(css, path.join(MINIPROGRAM_ROOT, 'example.wxss'), () => null)]);

  it('fails a fixed length given to a variable that Vant uses as a height or line height, and passes the bar that grows', () => {
    const bar = '<van-submit-bar custom-class="pay-bar" bar-class="pay-bar__bar" button-class="pay-bar__button" button-text="立即支付"><view>合计</view></van-submit-bar>';
    // The pay bar as it was: the bar's height and the button's height and line height fixed.
    expect(fixedHeightProblems(styledExample(bar, '.pay-bar { --submit-bar-height: 120rpx; --submit-bar-button-height: 88rpx; }')).sort()).toEqual([
      'example.wxss .pay-bar { --submit-bar-button-height: 88rpx }: .van-button takes it as its height and holds text; let it grow (min-height), or a line height without units',
      'example.wxss .pay-bar { --submit-bar-button-height: 88rpx }: .van-button takes it as its line-height and holds text; let it grow (min-height), or a line height without units',
      'example.wxss .pay-bar { --submit-bar-height: 120rpx }: .van-submit-bar__bar takes it as its height and holds text; let it grow (min-height), or a line height without units',
    ]);
    // Set on the button itself, the button's own variables are the ones it reads.
    expect(fixedHeightProblems(styledExample(bar, '.pay-bar { --submit-bar-height: auto; } .pay-bar__button { --button-default-height: 88rpx; }'))).toEqual([
      'example.wxss .pay-bar__button { --button-default-height: 88rpx }: .van-button takes it as its height and holds text; let it grow (min-height), or a line height without units',
    ]);
    expect(
      fixedHeightProblems(
        styledExample(bar, '.pay-bar { --submit-bar-height: auto; } .pay-bar__bar { min-height: 96rpx; } .pay-bar__button { --button-default-height: auto; --button-line-height: 1.4; min-height: 88rpx; }'),
      ),
    ).toEqual([]);
  });

  it('fails a fixed length given to a TDesign size variable, the line height inside its font included', () => {
    const button = '<view class="form"><t-button theme="primary">登录</t-button></view>';
    expect(fixedHeightProblems(styledExample(button, '.form { --td-button-medium-height: 96rpx; }'))).toEqual([
      'example.wxss .form { --td-button-medium-height: 96rpx }: .t-button--size-medium takes it as its height and holds text; let it grow (min-height), or a line height without units',
    ]);
    expect(fixedHeightProblems(styledExample(button, '.form { --td-button-medium-font: 600 32rpx / 48rpx sans-serif; }'))).toEqual([
      'example.wxss .form { --td-button-medium-font: 600 32rpx / 48rpx sans-serif }: .t-button--size-medium takes it as its line-height and holds text; let it grow (min-height), or a line height without units',
    ]);
    expect(fixedHeightProblems(styledExample(button, '.form { --td-button-medium-font: 600 32rpx / 1.5 sans-serif; }'))).toEqual([]);
  });
});

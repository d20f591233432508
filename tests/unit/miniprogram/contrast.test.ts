/**
 * Every text of every page readable against what it sits on: WCAG 2's 4.5:1 (3:1 for large text),
 * worked out from the stylesheets and the theme variables they use, so a new grey that fails the
 * ratio fails here. The tab bar and navigation bars are read from app.json and the pages' json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appRules, contrastProblems, pagePairs } from './contrast';
import { coloursIn, contrast, parseStylesheet } from './styles';
import { MINIPROGRAM_ROOT, parseWxml } from './wxml';

interface AppJson {
  pages: string[];
  subPackages: { root: string; pages: string[] }[];
  window: { navigationBarBackgroundColor: string; navigationBarTextStyle: 'black' | 'white' };
  tabBar: { color: string; selectedColor: string; backgroundColor: string };
}

const appJson = JSON.parse(readFileSync(path.join(MINIPROGRAM_ROOT, 'app.json'), 'utf8')) as AppJson;
const ROUTES = [...appJson.pages, ...appJson.subPackages.flatMap((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`))];

const rgbOf = (value: string) => coloursIn(value)[0]!.rgb;
const ratioOf = (text: string, background: string): number => Number(contrast(rgbOf(text), rgbOf(background)).toFixed(2));

describe('text contrast on every page', () => {
  it.each(ROUTES)('%s: every text colour against its background', (route) => {
    const pairs = pagePairs(route);
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.filter((pair) => pair.ratio < pair.needed)).toEqual([]);
  });

  it('reaches the texts measured below the ratio before, and finds them readable now', () => {
    const find = (route: string, at: string, text: string) => pagePairs(route).filter((pair) => pair.at.startsWith(at) && pair.text.includes(text));
    // Help-line numbers and profile values (TDesign's cell note, in the theme's hint grey): were 2.85:1.
    expect(find('pages/mine/index', 'components/help-lines/index.wxml', '{{item.phone}}')).toEqual([expect.objectContaining({ colour: '#707070', background: '#ffffff', ratio: 4.94 })]);
    expect(find('pages/mine/index', 'pages/mine/index.wxml', "{{profile.phone")).toEqual([expect.objectContaining({ colour: '#707070', ratio: 4.94 })]);
    // The error red on the page background: was 3.96:1.
    expect(find('package-account/pages/password/index', 'package-account/pages/password/index.wxml', '{{errorText}}')).toEqual([
      expect.objectContaining({ colour: '#ad352f', background: '#f3f5f8', ratio: 5.78 }),
    ]);
    // The warning on its tint: was 4.16:1.
    expect(find('package-account/pages/setup/index', 'package-account/pages/setup/index.wxml', '请核对以下信息')).toEqual([
      expect.objectContaining({ colour: '#954500', background: '#fff4e8', ratio: 6.19 }),
    ]);
  });

  it('the tab bar and the navigation bars', () => {
    const { tabBar, window } = appJson;
    expect(ratioOf(tabBar.color, tabBar.backgroundColor)).toBeGreaterThanOrEqual(4.5);
    expect(ratioOf(tabBar.selectedColor, tabBar.backgroundColor)).toBeGreaterThanOrEqual(4.5);
    for (const route of ROUTES) {
      const page = JSON.parse(readFileSync(path.join(MINIPROGRAM_ROOT, `${route}.json`), 'utf8')) as Partial<AppJson['window']>;
      const background = page.navigationBarBackgroundColor ?? window.navigationBarBackgroundColor;
      const text = (page.navigationBarTextStyle ?? window.navigationBarTextStyle) === 'white' ? '#ffffff' : '#000000';
      expect({ route, readable: ratioOf(text, background) >= 4.5 }).toEqual({ route, readable: true });
    }
  });
});

describe('the check bites', () => {
  const card = parseWxml('<view class="card"><view class="hint">缴费成功后发送</view><view class="title">学费</view></view>', 'example.wxml');

  it('fails a new grey on a white card, with the ratio it has', () => {
    const rules = [...appRules(), ...parseStylesheet('.card { background: #ffffff; } .hint { color: #999999; font-size: 24rpx; }', 'example.wxss', () => null)];
    expect(contrastProblems(card, rules)).toEqual([
      { at: 'example.wxml:1', text: '缴费成功后发送', colour: '#999999', background: '#ffffff', ratio: 2.85, needed: 4.5 },
    ]);
  });

  it('reads the colour through the theme variables: the old hint grey fails where the page uses the variable', () => {
    const oldTheme = parseStylesheet('page { --zj-text-placeholder: rgba(0, 0, 0, 0.4); }', 'old theme', () => null);
    const rules = [...appRules(), ...oldTheme, ...parseStylesheet('.card { background: #ffffff; } .hint { color: var(--zj-text-placeholder); }', 'example.wxss', () => null)];
    expect(contrastProblems(card, rules)).toEqual([expect.objectContaining({ text: '缴费成功后发送', colour: '#999999', ratio: 2.85 })]);
    // TDesign's components take it too (a cell's value, a help-line number), through --td-text-color-placeholder.
    const cell = parseWxml('<t-cell title="手机号" note="138****5678" />', 'cell.wxml');
    expect(contrastProblems(cell, [...appRules(), ...oldTheme])).toEqual([expect.objectContaining({ text: '138****5678', colour: '#999999', background: '#ffffff', ratio: 2.85 })]);
    expect(contrastProblems(cell, appRules())).toEqual([]);
  });

  it('checks each state a binding can put an element in, and allows 3:1 only for large text', () => {
    const rules = [
      ...appRules(),
      ...parseStylesheet('.card { background: #ffffff; } .title { color: #888888; font-size: 28rpx; } .title--big { font-size: 48rpx; } .title--warn { color: #e37318; }', 'example.wxss', () => null),
    ];
    const states = parseWxml(`<view class="card"><view class="title {{big ? 'title--big' : ''}} {{warn ? 'title--warn' : ''}}">学费</view></view>`, 'states.wxml');
    expect(contrastProblems(states, rules).map(({ colour, ratio, needed }) => ({ colour, ratio, needed }))).toEqual([
      { colour: '#888888', ratio: 3.54, needed: 4.5 },
      { colour: '#e37318', ratio: 3.12, needed: 4.5 },
    ]);
  });
});

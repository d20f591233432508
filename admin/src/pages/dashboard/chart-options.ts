/**
 * The 概览 charts' options. Amounts stay fen in the data and are shown as 元 by the same helpers as
 * the rest of the console. Colours and the font come from the page's TDesign variables, so the
 * canvas text uses the page's (Chinese) font.
 */
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import type { DailyIncome, FiguresBy } from '../../api/types';
import { formatFenShort, formatPerMille, formatYuan } from '../../utils/money';
import { addDays, daysBetween } from '../../utils/time';

export type DashboardChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;

/** Bars in the chart; the table beside it lists every row. */
export const CHART_MAX_BARS = 15;
/** A term's income is drawn day by day, gaps included, up to this many days. */
const MAX_INCOME_DAYS = 400;

export const nameOrUnrecorded = (name: string): string => name || '未登记';

interface ChartStyle {
  font: string;
  received: string;
  unpaid: string;
  refunded: string;
  line: string;
  text: string;
  grid: string;
}

function chartStyle(): ChartStyle {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    font: read('--td-font-family', 'sans-serif'),
    received: read('--td-success-color', '#2ba471'),
    unpaid: read('--td-warning-color', '#e37318'),
    refunded: read('--td-error-color', '#d54941'),
    line: read('--td-brand-color', '#0052d9'),
    text: read('--td-text-color-secondary', 'rgba(0, 0, 0, 0.6)'),
    grid: read('--td-component-stroke', '#e7e7e7'),
  };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** 实收 and 未缴 stacked per 学院 / 专业 / 年级 (together the 应收), the largest 应收 on top. */
export function breakdownOption(rows: readonly FiguresBy[]): DashboardChartOption {
  const style = chartStyle();
  const shown = rows.slice(0, CHART_MAX_BARS).reverse();
  const names = shown.map((row) => nameOrUnrecorded(row.name));
  return {
    textStyle: { fontFamily: style.font },
    color: [style.received, style.unpaid],
    legend: { top: 0, right: 0, textStyle: { color: style.text } },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const index = (Array.isArray(params) ? (params[0] as { dataIndex: number }) : (params as { dataIndex: number })).dataIndex;
        const row = shown[index];
        if (!row) return '';
        return [
          `<strong>${escapeHtml(nameOrUnrecorded(row.name))}</strong>`,
          `应收 ${formatYuan(row.receivable)}`,
          `实收 ${formatYuan(row.received)}`,
          `未缴 ${formatYuan(row.unpaid)}`,
          `缴费率 ${formatPerMille(row.rateByAmount)}`,
        ].join('<br>');
      },
    },
    xAxis: { type: 'value', axisLabel: { color: style.text, formatter: (value: number) => formatFenShort(value) }, splitLine: { lineStyle: { color: style.grid } } },
    yAxis: { type: 'category', data: names, axisLabel: { color: style.text, width: 120, overflow: 'truncate' }, axisLine: { lineStyle: { color: style.grid } } },
    series: [
      { name: '实收', type: 'bar', stack: 'receivable', barMaxWidth: 22, data: shown.map((row) => row.received) },
      { name: '未缴', type: 'bar', stack: 'receivable', barMaxWidth: 22, data: shown.map((row) => row.unpaid) },
    ],
  };
}

/** An amount that may be below zero (a day of more refunds than payments): -¥450.00. */
export const formatSignedYuan = (fen: number): string => (fen < 0 ? `-${formatYuan(-fen)}` : formatYuan(fen));

/** Every day from the first payment or refund to the last, a day without either at zero. */
export function incomeByDay(days: readonly DailyIncome[]): DailyIncome[] {
  if (days.length === 0) return [];
  const first = days[0]!.date;
  const last = days[days.length - 1]!.date;
  const span = daysBetween(first, last);
  if (span < 0 || span > MAX_INCOME_DAYS) return [...days];
  const known = new Map(days.map((income) => [income.date, income]));
  return Array.from({ length: span + 1 }, (_, offset) => {
    const date = addDays(first, offset);
    return known.get(date) ?? { date, received: 0, refunded: 0, net: 0, payments: 0, refunds: 0 };
  });
}

/** 收款 and 退款 as bars, 实收 (their difference) as the line. */
export function incomeOption(days: readonly DailyIncome[]): DashboardChartOption {
  const style = chartStyle();
  return {
    textStyle: { fontFamily: style.font },
    color: [style.received, style.refunded, style.line],
    legend: { top: 0, right: 0, textStyle: { color: style.text } },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const index = (Array.isArray(params) ? (params[0] as { dataIndex: number }) : (params as { dataIndex: number })).dataIndex;
        const day = days[index];
        if (!day) return '';
        return [
          day.date,
          `收款 ${formatYuan(day.received)}（${day.payments} 笔）`,
          `退款 ${formatYuan(day.refunded)}（${day.refunds} 笔）`,
          `实收 ${formatSignedYuan(day.net)}`,
        ].join('<br>');
      },
    },
    xAxis: { type: 'category', data: days.map((day) => day.date.slice(5)), axisLabel: { color: style.text }, axisLine: { lineStyle: { color: style.grid } } },
    yAxis: { type: 'value', axisLabel: { color: style.text, formatter: (value: number) => formatFenShort(value) }, splitLine: { lineStyle: { color: style.grid } } },
    series: [
      { name: '收款', type: 'bar', barMaxWidth: 14, data: days.map((day) => day.received) },
      { name: '退款', type: 'bar', barMaxWidth: 14, data: days.map((day) => day.refunded) },
      { name: '实收', type: 'line', smooth: false, symbolSize: 6, showSymbol: days.length <= 62, data: days.map((day) => day.net) },
    ],
  };
}

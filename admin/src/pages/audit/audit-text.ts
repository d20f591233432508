/**
 * An audit entry in the office's words: who, on what, and each field before → after (amounts in 元,
 * statuses and roles by name), for the table, its detail and the exported sheet alike.
 */
import type { AuditEntryView, BillStatusView, ExportKind, ImportBatchStatus, ImportKind, StaffRole } from '../../api/types';
import { AUDIT_FIELD_LABELS, AUDIT_MONEY_FIELDS, AUDIT_PROCESS_LABELS, AUDIT_TARGET_LABELS } from '../../constants/audit';
import { BILL_STATUS_TEXT } from '../../constants/bills';
import { EXPORT_LABELS } from '../../constants/exports';
import { IMPORT_KIND_LABELS, IMPORT_STATUS_TEXT } from '../../constants/imports';
import { ROLE_LABELS } from '../../constants/roles';
import { formatYuan } from '../../utils/money';
import { formatBeijingTime } from '../../utils/time';

export interface ChangeLine {
  field: string;
  /** '—' when the entry recorded no value before (something made) or after. */
  before: string;
  after: string;
}

export interface ChangeView {
  target: string;
  lines: ChangeLine[];
}

const NONE = '—';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const has = <T extends string>(labels: Readonly<Record<T, string>>, key: unknown): key is T => typeof key === 'string' && Object.hasOwn(labels, key);

export function parseDetails(details: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(details);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** `bill:bill-2025300001-2026-2027-1-XF` → 账单 bill-2025300001-2026-2027-1-XF; `export:unpaid` → 导出 未缴学生名单（催缴）. */
export function targetText(target: string): string {
  const colon = target.indexOf(':');
  if (colon < 0) return target;
  const kind = target.slice(0, colon);
  const id = target.slice(colon + 1);
  if (kind === 'export' && has<ExportKind>(EXPORT_LABELS, id)) return `导出 ${EXPORT_LABELS[id]}`;
  return `${AUDIT_TARGET_LABELS[kind] ?? kind} ${id}`;
}

const fieldLabel = (field: string): string => AUDIT_FIELD_LABELS[field] ?? field;

function valueText(field: string, value: unknown, targetKind: string): string {
  if (value === undefined || value === null) return NONE;
  if (AUDIT_MONEY_FIELDS.has(field) && typeof value === 'number') return formatYuan(value);
  if (field === 'status' && targetKind === 'bill' && has<BillStatusView>(BILL_STATUS_TEXT, value)) return BILL_STATUS_TEXT[value];
  if (field === 'status' && targetKind === 'importBatch' && has<ImportBatchStatus>(IMPORT_STATUS_TEXT, value)) return IMPORT_STATUS_TEXT[value];
  if (field === 'status' && has<BillStatusView>(BILL_STATUS_TEXT, value)) return BILL_STATUS_TEXT[value];
  if (field === 'kind' && has<ImportKind>(IMPORT_KIND_LABELS, value)) return IMPORT_KIND_LABELS[value];
  if (field === 'role' && has<StaffRole>(ROLE_LABELS, value)) return ROLE_LABELS[value];
  if (field === 'active' && typeof value === 'boolean') return value ? '在职' : '停用';
  if (field === 'expiresAt' && typeof value === 'string') return formatBeijingTime(value);
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'number') return value.toLocaleString('zh-CN');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((inner) => valueText('', inner, targetKind)).join('、');
  if (isRecord(value)) {
    const parts = Object.entries(value).map(([key, inner]) => `${fieldLabel(key)} ${valueText(key, inner, targetKind)}`);
    return parts.length > 0 ? parts.join('，') : '全部';
  }
  return JSON.stringify(value);
}

/** Each change an entry records, field by field, before → after. */
export function changesOf(entry: AuditEntryView): ChangeView[] {
  const changes = parseDetails(entry.details).changes;
  if (!Array.isArray(changes)) return [];
  return changes.filter(isRecord).map((change) => {
    const target = typeof change.target === 'string' ? change.target : '';
    const targetKind = target.slice(0, Math.max(0, target.indexOf(':')));
    const before = change.before;
    const after = change.after;
    if (!isRecord(before) && !isRecord(after)) {
      return { target: targetText(target), lines: before === undefined && after === undefined ? [] : [{ field: '', before: valueText('', before, targetKind), after: valueText('', after, targetKind) }] };
    }
    const fields = [...new Set([...Object.keys(isRecord(before) ? before : {}), ...Object.keys(isRecord(after) ? after : {})])];
    const lines = fields.map((field) => ({
      field: fieldLabel(field),
      before: valueText(field, isRecord(before) ? before[field] : undefined, targetKind),
      after: valueText(field, isRecord(after) ? after[field] : undefined, targetKind),
    }));
    return { target: targetText(target), lines };
  });
}

/** `金额：¥4,800.00 → ¥4,500.50`; a value only recorded after: `角色：收费员`. */
export function lineText(line: ChangeLine): string {
  const name = line.field ? `${line.field}：` : '';
  if (line.before === NONE) return `${name}${line.after}`;
  return `${name}${line.before} → ${line.after}`;
}

/** The lines that changed, or all of them when nothing was recorded before (something made or done). */
export function summaryLines(change: ChangeView): string[] {
  const changed = change.lines.filter((line) => line.before !== line.after);
  return (changed.length > 0 ? changed : change.lines).map(lineText);
}

/** Who: the staff member's name, the process, or the student's or visitor's account. */
export function actorText(entry: AuditEntryView): string {
  if (entry.staffName) return entry.staffName;
  if (AUDIT_PROCESS_LABELS[entry.actor]) return AUDIT_PROCESS_LABELS[entry.actor]!;
  if (entry.actor.startsWith('openid:')) return `微信用户 ${entry.actor.slice('openid:'.length)}`;
  if (entry.actor.startsWith('web:')) return `网页访问 ${entry.actor.slice('web:'.length)}`;
  return entry.actor;
}

/** The rest of what was recorded, besides the changes, as text (rarely anything). */
export function otherDetails(entry: AuditEntryView): string {
  const { changes: _changes, ...rest } = parseDetails(entry.details);
  return Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
}

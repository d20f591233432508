/**
 * The student as a bill carries it (姓名, 学院, 专业, 年级, 班级, copied when the bill was made): the
 * console searches, the dashboard groups and the exports print bills by it without reading the
 * students. A correction of the roster reaches every bill of the student here, whatever its
 * status, so a paid bill too is found under the name and counted under the 学院 the student has now.
 */
import { collection, commands, type Database } from '../../runtime';
import { studentOnBill, type BillStudent, type BillStudentFields } from '../domain/billing';

/** A student whose details the roster corrected: the new values of what changed. */
export interface StudentCorrection {
  studentId: string;
  changed: Partial<BillStudent>;
}

/**
 * The bills of the corrected students take the new values: one request per distinct correction, so
 * a class moved or a 学院 renamed for a whole intake is one request, and a name corrected is one per
 * student. Returns how many bills changed.
 */
export async function correctStudentOnBills(db: Database, corrections: readonly StudentCorrection[]): Promise<number> {
  const groups = new Map<string, { fields: BillStudentFields; studentIds: string[] }>();
  for (const { studentId, changed } of corrections) {
    const fields = studentOnBill(changed);
    if (Object.keys(fields).length === 0) continue;
    const key = JSON.stringify(fields);
    const group = groups.get(key);
    if (group) group.studentIds.push(studentId);
    else groups.set(key, { fields, studentIds: [studentId] });
  }
  const bills = collection(db, 'bills');
  const _ = commands(db);
  let changedBills = 0;
  for (const { fields, studentIds } of groups.values()) changedBills += await bills.updateWhere({ studentId: _.in(studentIds) }, fields);
  return changedBills;
}

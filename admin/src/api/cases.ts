/**
 * Review cases (待核实): what the payments set aside for a person to decide. Every role reads them
 * (the detail asks WeChat Pay live); a 审核 confirms as paid or closes one, a 收费员 asks for a
 * refund from one (a 审核 then approves it on the 退款 page).
 */
import { call, type ConsoleRequest } from './client';
import type { CaseDetail, CasePage, ConsoleCase, ConsoleRefund } from './types';
import type { RefundAsk } from './refunds';

export type CaseSearch = ConsoleRequest<'listCases'>;
export type CaseFilters = Omit<CaseSearch, 'page' | 'pageSize'>;
export type CaseResolution = ConsoleRequest<'resolveCase'>['resolution'];

export function listCases(search: CaseSearch): Promise<CasePage> {
  return call('listCases', search);
}

export function caseDetail(caseId: string): Promise<CaseDetail> {
  return call('caseDetail', { caseId });
}

export function resolveCase(caseId: string, resolution: CaseResolution, reason: string): Promise<ConsoleCase> {
  return call('resolveCase', { caseId, resolution, reason });
}

export function requestCaseRefund(caseId: string, ask: RefundAsk): Promise<{ case: ConsoleCase; refund: ConsoleRefund }> {
  return call('requestCaseRefund', { caseId, ...ask });
}

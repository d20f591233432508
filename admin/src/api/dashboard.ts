/** 概览: a term's collection figures (every role). Without a term the server picks the newest that has bills. */
import { call } from './client';
import type { Dashboard } from './types';

export function fetchDashboard(term?: string): Promise<Dashboard> {
  return call('dashboard', term ? { term } : {});
}

/** Every term that has bills, newest first. */
export async function listTerms(): Promise<string[]> {
  return (await fetchDashboard()).terms;
}

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCloud, type Caller } from '../../local/cloud';
import { installSandboxes } from '../../local/sandboxes';
import { FEE_SEASON_NOW } from './fee-season';

/**
 * An in-process local cloud on a fresh data folder, for integration tests. It records every log
 * line and every result so a suite can check that no personal data leaks.
 */
export interface TestCloud {
  cloud: LocalCloud;
  dataDir: string;
  logs: string[];
  results: unknown[];
  /** Calls a function as a mini program user with this openid. */
  call<T = unknown>(fn: string, event: Record<string, unknown>, caller?: Caller): Promise<T>;
  /** Stops the cloud; `keepData` leaves the folder for a restart test. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestCloud(options: { dataDir?: string; startAt?: Date } = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'zhjf-test-'));
  const logs: string[] = [];
  const results: unknown[] = [];
  const cloud = await LocalCloud.start({ dataDir, logSink: (line) => logs.push(line), startAt: options.startAt ?? FEE_SEASON_NOW });
  installSandboxes(cloud, null);
  return {
    cloud,
    dataDir,
    logs,
    results,
    async call<T>(fn: string, event: Record<string, unknown>, caller: Caller = {}) {
      const result = await cloud.invoke(fn, event, caller);
      results.push(result);
      return result as T;
    },
    async stop({ keepData = false } = {}) {
      await cloud.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

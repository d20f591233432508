import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionMain } from '../cloudfunctions/shared/runtime';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const FUNCTIONS_ROOT = path.join(PROJECT_ROOT, 'cloudfunctions');

/** Folders under cloudfunctions/ that are deployable functions (the shared code folder is not). */
export function listFunctionNames(): string[] {
  return readdirSync(FUNCTIONS_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(FUNCTIONS_ROOT, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

export interface FunctionConfig {
  timeout?: number;
  memorySize?: number;
  triggers?: { name: string; type: string; config: string }[];
  permissions?: { openapi?: string[] };
}

export function readFunctionConfig(name: string): FunctionConfig {
  const file = path.join(FUNCTIONS_ROOT, name, 'config.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FunctionConfig) : {};
}

/**
 * `source` loads the TypeScript entry (tests, through ts-jest or tsx); `bundle` loads the built
 * index.js exactly as it is deployed (npm start).
 */
export type FunctionSource = 'source' | 'bundle';

export function loadFunction(name: string, source: FunctionSource): FunctionMain {
  const entry = path.join(FUNCTIONS_ROOT, name, source === 'bundle' ? 'index.js' : 'index.ts');
  if (!existsSync(entry)) {
    throw new Error(source === 'bundle' ? `函数 ${name} 尚未构建：先运行 npm run build` : `函数 ${name} 不存在`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(entry) as { main?: FunctionMain };
  if (typeof loaded.main !== 'function') throw new Error(`函数 ${name} 没有导出 main`);
  return loaded.main;
}

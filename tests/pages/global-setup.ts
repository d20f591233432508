/**
 * Starts what the page tests run against, once per jest run:
 * 1. miniprogram/miniprogram_npm, packed from the installed dependencies (rebuilt when stale), so
 *    the pages render with the same TDesign files WeChat DevTools would use;
 * 2. the local cloud: `local/main.ts --port 0 --data <tmp dir>` run with tsx; its
 *    `LOCAL_CLOUD_URL=…` line is passed to the test files as process.env.PAGES_LOCAL_CLOUD_URL.
 *
 * Set LOCAL_CLOUD_URL yourself to run against a local cloud that is already running instead.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { buildMiniprogramNpm, isMiniprogramNpmFresh } from '../../scripts/build-miniprogram';
import { FEE_SEASON_NOW } from '../support/fee-season';
import { PROJECT_ROOT } from './paths';
import { LOCAL_CLOUD_STATE, type LocalCloudState } from './local-cloud-state';

const READY_TIMEOUT_MS = Number(process.env.PAGES_LOCAL_CLOUD_READY_TIMEOUT_MS ?? 90000);
const ENTRY = process.env.PAGES_LOCAL_CLOUD_ENTRY ?? path.join(PROJECT_ROOT, 'local', 'main.ts');
/** The local cloud's clock starts in the fee season like every test cloud's; the pages read no calendar. */
const PAGES_CLOUD_STARTS_AT = FEE_SEASON_NOW.toISOString();

/** One JSON request to the local cloud; resolves with the parsed body. */
function httpJson(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        timeout: 30000,
        headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`${method} ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function startLocalCloud(): Promise<LocalCloudState> {
  if (!fs.existsSync(ENTRY)) {
    throw new Error(
      `[pages] The page tests need the local cloud, but ${path.relative(PROJECT_ROOT, ENTRY)} does not exist.\n` +
        '        The pages call the cloud functions through it (POST /functions/<name>); nothing is mocked.\n' +
        '        Build the local cloud first, or set PAGES_LOCAL_CLOUD_URL to a running one.',
    );
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhjf-pages-cloud-'));
  // `node --import tsx` is `npx tsx` without the extra parent process, so SIGTERM reaches the
  // local cloud itself.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--port', '0', '--data', dataDir, '--start-at', PAGES_CLOUD_STARTS_AT], {
    cwd: PROJECT_ROOT,
    // A cheaper scrypt cost keeps sign-in pages quick to test; production always uses the default.
    env: { PASSWORD_SCRYPT_LOG_N: '11', ...process.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`[pages] The local cloud printed no LOCAL_CLOUD_URL line within ${READY_TIMEOUT_MS} ms. Output:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /LOCAL_CLOUD_URL=(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/+$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`[pages] The local cloud exited (code ${code}, signal ${signal}) before it was ready. Output:\n${output}`));
    });
  }).catch((error: unknown) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  // Keep draining its output so the child never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();

  return { url, pid: child.pid, dataDir, child };
}

export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'Asia/Shanghai';

  if (!isMiniprogramNpmFresh(PROJECT_ROOT)) {
    await buildMiniprogramNpm(PROJECT_ROOT);
  }

  let state: LocalCloudState;
  if (process.env.PAGES_LOCAL_CLOUD_URL) {
    state = { url: process.env.PAGES_LOCAL_CLOUD_URL.replace(/\/+$/, '') };
  } else {
    state = await startLocalCloud();
    // Read by setup.ts in the workers; global-teardown.ts removes it again (watch mode re-runs).
    process.env.PAGES_LOCAL_CLOUD_URL = state.url;
  }
  (globalThis as Record<string, unknown>)[LOCAL_CLOUD_STATE] = state;

  const health = await httpJson('GET', `${state.url}/health`).catch((error: unknown) => {
    throw new Error(`[pages] The local cloud at ${state.url} did not answer /health: ${String(error)}`);
  });
  if (!health || (health as { ok?: unknown }).ok !== true) {
    throw new Error(`[pages] The local cloud at ${state.url} is not healthy: ${JSON.stringify(health)}`);
  }

  // Load the auth function once, so the first page test does not pay for its cold start.
  const warm = await httpJson('POST', `${state.url}/functions/auth`, { action: 'status' }, { 'x-wx-openid': 'pages-warm-up' });
  if (!warm || (warm as { ok?: unknown }).ok !== true) {
    throw new Error(`[pages] auth.status on the local cloud did not answer ok: ${JSON.stringify(warm)}`);
  }
}

/** Stops the local cloud that global-setup.ts started (SIGTERM, then SIGKILL after 10 s). */
import fs from 'node:fs';
import { LOCAL_CLOUD_STATE, type LocalCloudState } from './local-cloud-state';

const STOP_TIMEOUT_MS = 10000;

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[LOCAL_CLOUD_STATE] as LocalCloudState | undefined;
  if (!state?.child) return;
  const { child } = state;
  delete process.env.PAGES_LOCAL_CLOUD_URL;

  if (child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        process.stderr.write(`[pages] The local cloud (pid ${child.pid}) did not stop on SIGTERM within ${STOP_TIMEOUT_MS} ms; killing it.\n`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
  if (state.dataDir) fs.rmSync(state.dataDir, { recursive: true, force: true });
}

import type { ChildProcess } from 'node:child_process';

/** Key on globalThis under which global-setup.ts leaves its state for global-teardown.ts. */
export const LOCAL_CLOUD_STATE = '__zhjfPagesLocalCloud';

export interface LocalCloudState {
  url: string;
  /** Set when global-setup.ts started the local cloud itself. */
  pid?: number;
  dataDir?: string;
  child?: ChildProcess;
}

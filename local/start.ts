import { LocalCloud, type LocalCloudOptions } from './cloud';
import { installSandboxes } from './sandboxes';
import { LocalCloudServer } from './server';

export interface StartOptions extends LocalCloudOptions {
  /** 0 picks a free port. */
  port?: number;
  /**
   * Also serve the routes that make data for tests (students, paid orders, cloudPay fault
   * controls). Only tests set it; `npm start` never does.
   */
  testRoutes?: boolean;
}

export interface RunningLocalCloud {
  cloud: LocalCloud;
  server: LocalCloudServer;
  url: string;
  stop(): Promise<void>;
}

/** The whole local cloud: functions, database, storage, the platform sandboxes and the HTTP server. */
export async function startLocalCloud(options: StartOptions): Promise<RunningLocalCloud> {
  const cloud = await LocalCloud.start(options);
  const server = new LocalCloudServer(cloud, { testRoutes: options.testRoutes ?? false });
  installSandboxes(cloud, server);
  const url = await server.listen(options.port ?? 0);
  let stopped = false;
  return {
    cloud,
    server,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await cloud.close();
    },
  };
}

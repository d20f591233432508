import type { LocalCloud } from './cloud';
import type { LocalCloudServer } from './server';
import { installCloudPaySandbox } from './sandboxes/cloudpay';
import { installOpenApiSandbox } from './sandboxes/openapi';
import { installLocalReceipts } from './mail';

/**
 * The local stand-ins for WeChat's servers (cloudPay, openapi) and for the receipts' mail server. Each registers the SDK APIs it
 * implements on the cloud and its sandbox endpoints on the server. One list, so `npm start` and
 * the tests run the same set.
 */
export function installSandboxes(cloud: LocalCloud, server: LocalCloudServer | null): void {
  installOpenApiSandbox(cloud, server);
  installCloudPaySandbox(cloud, server);
  installLocalReceipts(cloud, server);
}

/** `npm run reset`: deletes the local cloud's data; the next `npm start` seeds the demo data again. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/functions';

const dataDir = path.resolve(process.env.LOCAL_CLOUD_DATA ?? path.join(PROJECT_ROOT, '.local-cloud'));
rmSync(dataDir, { recursive: true, force: true });
console.log(`已清空本地数据：${dataDir}`);

/**
 * Sign-in at the production password cost (scrypt N=2^17): how long a refused attempt takes for
 * an account that exists and one that does not, when strangers have been guessing at the one that
 * exists. The two must not be told apart by time (target: within 10 %); the tests prove the same
 * by counting the hashing, this prints the clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchSection } from '../bench';
import { LocalCloud } from '../../local/cloud';
import { installSandboxes } from '../../local/sandboxes';
import { collection } from '../../cloudfunctions/shared/runtime';
import { prepareStudent } from '../../cloudfunctions/shared/students/domain/student';
import { studentPreparationDeps } from '../../cloudfunctions/shared/students/credentials';

const RUNS = 9;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number): string => `${value.toFixed(0)} ms`;

export async function run(): Promise<BenchSection> {
  delete process.env.PASSWORD_SCRYPT_LOG_N;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-bench-sign-in-'));
  const cloud = await LocalCloud.start({ dataDir, logSink: () => undefined });
  installSandboxes(cloud, null);
  try {
    const db = cloud.sdkDatabase();
    const prepared = await prepareStudent(
      { studentNo: '2024880001', name: '钱学森', idNumber: '370602199903072620', college: '继续教育学院', major: '会计学', grade: '2024级', className: '会计学2401班' },
      studentPreparationDeps(cloud.clock.now()),
    );
    if (!prepared.ok) throw new Error('bench student invalid');
    await collection(db, 'students').insert(prepared.doc);
    let serial = 0;
    const attempt = async (account: string, openid: string) => {
      const started = performance.now();
      const result = (await cloud.invoke('auth', { action: 'signIn', by: 'studentNo', account, password: 'not-the-password' }, { openid })) as { ok: boolean; code?: string };
      return { elapsed: performance.now() - started, code: result.code ?? 'OK' };
    };
    // Strangers guess at the known account from several WeChat accounts until each is locked out.
    for (let stranger = 0; stranger < 3; stranger += 1) {
      for (let i = 0; i < 12; i += 1) {
        const { code } = await attempt('2024880001', `o-bench-stranger-${stranger}`);
        if (code === 'RATE_LIMITED') cloud.clock.advance(5 * 60_000);
      }
    }
    const known: number[] = [];
    const unknown: number[] = [];
    const codes = new Set<string>();
    for (let i = 0; i < RUNS; i += 1) {
      // Alternate, each from a WeChat account of its own, as a prober would.
      const a = await attempt('2024880001', `o-bench-probe-${(serial += 1)}`);
      const b = await attempt(`20998${String(i).padStart(5, '0')}`, `o-bench-probe-${(serial += 1)}`);
      known.push(a.elapsed);
      unknown.push(b.elapsed);
      codes.add(a.code).add(b.code);
    }
    const ratio = median(known) / median(unknown);
    return {
      title: `登录（生产密码成本 scrypt N=2^17，${RUNS} 次取中位数）`,
      rows: [
        { label: '已知账号（他人猜过、被他人锁定过）被拒', value: ms(median(known)) },
        { label: '不存在的账号被拒', value: ms(median(unknown)) },
        { label: '耗时比（目标 0.90–1.10）', value: ratio.toFixed(3) },
        { label: '两者的答复', value: [...codes].join(' / ') },
      ],
    };
  } finally {
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

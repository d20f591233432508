/**
 * `npm run bench`: speed, size and round-trip figures, printed (never asserted in tests).
 * Each file in scripts/bench/ exports `run(): Promise<BenchSection>`; all run on the local cloud.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export interface BenchSection {
  title: string;
  rows: { label: string; value: string }[];
}

async function main(): Promise<void> {
  const dir = path.join(__dirname, 'bench');
  const only = process.argv[2];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && (!only || f.startsWith(only)))
    .sort();
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(path.join(dir, file)) as { run(): Promise<BenchSection> };
    const section = await bench.run();
    console.log(`\n${section.title}`);
    const width = Math.max(...section.rows.map((row) => row.label.length));
    for (const row of section.rows) console.log(`  ${row.label.padEnd(width)}  ${row.value}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

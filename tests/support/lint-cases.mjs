// Lints snippets as if they lived at given paths of the project; reads [{ path, code }] as JSON on
// stdin and prints the rule ids each produced. Runs as a plain Node ESM process because ESLint's
// flat config is loaded with a dynamic import, which jest's CommonJS runtime cannot do.
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
let input = '';
for await (const chunk of process.stdin) input += chunk;
const cases = JSON.parse(input);
const out = [];
for (const { path: file, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  out.push((result?.messages ?? []).map((m) => m.ruleId ?? m.message));
}
process.stdout.write(JSON.stringify(out));

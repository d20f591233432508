/** What the repository's commands (deploy, upload) share: where they print, and how they end. */

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs a command from the shell with the process's output and environment, and exits with its
 * code. Exits explicitly: the WeChat and Tencent client libraries leave timers running.
 */
export function runFromShell(run: (argv: readonly string[], io: CommandIo) => Promise<number>): void {
  run(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line), env: process.env })
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}

import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './bicep-cli.js';

const run = promisify(execFile);

/**
 * A stand-in `az` on an otherwise empty PATH: it records each call and answers from `script`,
 * a bash `case "$*" in … esac` body. Unknown calls fail, so an unexpected step shows.
 */
export async function withFakeAz<T>(
  script: string,
  body: (fake: { dir: string; calls: () => Promise<string[]> }) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-az-'));
  const bash = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
  const log = join(dir, 'calls.log');
  await writeFile(
    join(dir, 'az'),
    `#!${bash}\necho "$*" >> '${log}'\ncase "$*" in\n${script}\n  *) echo "fake az: unexpected call: $*" >&2; exit 64 ;;\nesac\n`,
  );
  await chmod(join(dir, 'az'), 0o755);
  try {
    return await body({
      dir,
      calls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type DeployRun = { exitCode: number; stdout: string; stderr: string };

/** Runs the compiled deploy script with exactly `path` as PATH. */
export async function runDeploy(args: string[], path: string, env: NodeJS.ProcessEnv = {}): Promise<DeployRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'dist/tools/scripts/deploy.js'), ...args], {
      env: { PATH: path, HOME: process.env.HOME, ...env },
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { exitCode: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

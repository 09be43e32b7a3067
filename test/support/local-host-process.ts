import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface LocalHostProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  webhookUrl: string;
  /** Wall time from spawn to the banner. */
  startMs: number;
  /** What the host itself reported ("ready in X s"). */
  reportedReadyMs: number;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`, and then it throws). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export class HostDidNotStart extends Error {}

/** `node dist/tools/local-host/main.js` as `npm start` runs it, with environment overrides; resolves at its banner. */
export async function startLocalHostProcess(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<LocalHostProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/tools/local-host/main.js'], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const banner = await new Promise<{ url: string; readyMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HostDidNotStart(`the local host printed no banner within ${options.timeoutMs ?? 60_000} ms:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const check = () => {
      const ready = /ready in ([\d.]+) s/.exec(output);
      const url = /POST (http:\/\/localhost:\d+\/api\/github\/webhooks)/.exec(output);
      if (ready && url) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve({ url: url[1]!, readyMs: Number(ready[1]) * 1000 });
      }
    };
    child.stdout.on('data', check);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new HostDidNotStart(`the local host exited with code ${code} before it was ready:\n${output}`));
    });
  });

  return {
    child,
    output: () => output,
    webhookUrl: banner.url,
    startMs: performance.now() - started,
    reportedReadyMs: banner.readyMs,
    async stop(timeoutMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited.then(([code]) => code),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`the local host did not stop within ${timeoutMs} ms of SIGTERM:\n${output}`);
      }
      return result;
    },
  };
}

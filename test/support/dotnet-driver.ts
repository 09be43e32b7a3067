import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './bicep-cli.js';

const run = promisify(execFile);

export const dotnetSkipReason =
  'SKIPPED: dotnet not found (tools/scripts/restore-dotnet-driver.sh); the development broker was NOT tested with the .NET Service Bus SDK';

/**
 * The path of the built .NET driver (test/dotnet/ServiceBusDriver), building it first when its sources changed;
 * undefined where dotnet is absent (the script then prints its loud banner on stderr, passed through here).
 */
export async function buildDotnetDriver(): Promise<string | undefined> {
  const { stdout, stderr } = await run('bash', [join(repoRoot, 'tools/scripts/restore-dotnet-driver.sh')], { maxBuffer: 16 * 1024 * 1024 });
  if (stderr.trim() !== '') process.stderr.write(stderr);
  const dll = stdout.trim();
  return dll === '' ? undefined : dll;
}

/** One line of the driver's output: a scenario's facts, or the error it ended with. */
export type ScenarioResult = { scenario: string; ok: boolean; error?: string } & Record<string, unknown>;

/** Runs the driver once with `config` (see Program.cs) and returns its results by scenario name. */
export async function runDotnetDriver(dll: string, config: Record<string, unknown>): Promise<Map<string, ScenarioResult>> {
  const { stdout } = await run('dotnet', [dll, JSON.stringify(config)], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  const results = new Map<string, ScenarioResult>();
  for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const result = JSON.parse(line) as ScenarioResult;
    results.set(result.scenario, result);
  }
  return results;
}

/** `npm run broker` as a child process (its main.js, port 0, bots from `botsPath`), until `stop()`. */
export async function startBrokerCommand(botsPath: string): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'dist/tools/dev-broker/main.js'), '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, BOTS_CONFIG_PATH: botsPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8');
  const connectionString = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const match = /Connection string: (\S+)\n/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`broker exited early (${code}): ${output}`)));
  });
  return {
    connectionString,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

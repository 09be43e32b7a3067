import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root, from dist/test/support/. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The version tools/scripts/restore-bicep.sh restores; keep the two in step. */
export const bicepVersion = '0.49.2';

/** `BICEP_PATH`, else the CLI that tools/scripts/restore-bicep.sh put in .tools/; undefined when neither exists. */
export function findBicep(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.BICEP_PATH, join(repoRoot, '.tools/nuget/azure.bicep.commandline.linux-x64', bicepVersion, 'tools/bicep')];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

export type BicepRun = { stdout: string; stderr: string; exitCode: number };

export async function runBicep(bicep: string, args: string[]): Promise<BicepRun> {
  try {
    const { stdout, stderr } = await run(bicep, args, {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', BICEP_TRACING_ENABLED: 'false' },
    });
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error), exitCode: failed.code ?? 1 };
  }
}

/** Diagnostics of `bicep build` / `bicep lint` that are warnings or errors, one per line. */
export function problems(output: string): string[] {
  return output.split('\n').filter((line) => /: (Warning|Error) /.test(line));
}

/** A resource as `bicep snapshot` predicts it: expressions it can evaluate offline are evaluated. */
export type PredictedResource = {
  id: string;
  type: string;
  name: string;
  condition?: string;
  identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  sku?: Record<string, unknown>;
  properties?: Record<string, unknown>;
};

export type Snapshot = { predictedResources: PredictedResource[]; outputs: Record<string, unknown>; diagnostics: unknown[] };

export const snapshotScope = {
  subscriptionId: '00000000-0000-0000-0000-0000000000aa',
  resourceGroup: 'rg-session-router-test',
  location: 'westeurope',
};

/**
 * Evaluates a template with `bicep snapshot` (no Azure needed): writes a .bicepparam beside
 * nothing of the repository's, reads the prediction, removes its files.
 */
export async function snapshot(bicep: string, templatePath: string, params: Record<string, string> = {}): Promise<Snapshot> {
  const dir = await mkdtemp(join(tmpdir(), 'bicep-snapshot-'));
  try {
    const paramFile = join(dir, 'test.bicepparam');
    const lines = [`using '${relative(dir, templatePath)}'`, ...Object.entries(params).map(([k, v]) => `param ${k} = ${v}`)];
    await writeFile(paramFile, lines.join('\n') + '\n');
    const result = await runBicep(bicep, [
      'snapshot',
      paramFile,
      '--subscription-id',
      snapshotScope.subscriptionId,
      '--resource-group',
      snapshotScope.resourceGroup,
      '--location',
      snapshotScope.location,
    ]);
    if (result.exitCode !== 0) throw new Error(`bicep snapshot failed:\n${result.stdout}${result.stderr}`);
    return JSON.parse(await readFile(join(dir, 'test.snapshot.json'), 'utf8')) as Snapshot;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A copy of infra/ beside a bots.json of the test's own, laid out like the repository so the
 * template's loadJsonContent('../src/bots/bots.json') reads it. Returns the copied main.bicep.
 */
export async function infraWithBots(botsJson: unknown): Promise<{ mainBicep: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-bots-'));
  await cp(join(repoRoot, 'infra'), join(dir, 'infra'), { recursive: true });
  await cp(join(repoRoot, 'bicepconfig.json'), join(dir, 'bicepconfig.json'));
  await mkdir(join(dir, 'src/bots'), { recursive: true });
  await writeFile(join(dir, 'src/bots/bots.json'), JSON.stringify(botsJson, null, 2));
  return { mainBicep: join(dir, 'infra/main.bicep'), remove: () => rm(dir, { recursive: true, force: true }) };
}

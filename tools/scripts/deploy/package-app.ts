import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { DeployRefusal } from './az.js';
import { parseFuncIgnore } from './funcignore.js';

/** Never copied from the working tree; node_modules is reinstalled without dev dependencies. */
const alwaysSkipped = new Set(['node_modules', '.git', '.funcignore']);

/**
 * The files of the app package, relative to `root` with `/` separators: everything that
 * .funcignore does not exclude (so dist/ without tests or development tools, host.json,
 * package.json, package-lock.json), minus node_modules.
 */
export async function listPackageFiles(root: string): Promise<string[]> {
  const ignorePath = join(root, '.funcignore');
  const ignore = parseFuncIgnore(existsSync(ignorePath) ? await readFile(ignorePath, 'utf8') : '');
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : posix.join(dir, entry.name);
      if ((dir === '' && alwaysSkipped.has(entry.name)) || ignore.denies(path)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk('');
  return files.sort();
}

/** Refuses a package the Functions host could not load. */
export function checkPackageFiles(files: readonly string[]): void {
  for (const needed of ['host.json', 'package.json']) {
    if (!files.includes(needed)) throw new DeployRefusal(`the package has no ${needed}: check .funcignore`);
  }
  if (!files.some((f) => /^dist\/src\/functions\/[^/]+\.js$/.test(f))) {
    throw new DeployRefusal('the package has no dist/src/functions/*.js (package.json "main"): run `npm run build`, and check .funcignore');
  }
  const leaked = files.filter((f) => /^dist\/(test|tools)\/|\.test\.js$|^local\.settings\.json$|^(src|tools)\//.test(f));
  if (leaked.length > 0)
    throw new DeployRefusal(
      `the package would include tests, development tools or local-only files (${leaked.slice(0, 3).join(', ')}): check .funcignore`,
    );
}

/**
 * Stages the package in `workDir`, installs production dependencies there, hands the staged
 * folder to `check` (deploy passes verifyPackageLoads), and zips it. Returns the zip's path.
 */
export async function packageApp(
  root: string,
  workDir: string,
  log: (line: string) => void,
  check: (stage: string, log: (line: string) => void) => Promise<unknown> = async () => undefined,
): Promise<string> {
  const stage = await stageApp(root, workDir, log);
  await check(stage, log);
  return zipApp(stage, workDir, log);
}

/**
 * The package as a folder, `<workDir>/app`: the files listPackageFiles keeps and production
 * node_modules from `npm ci --omit=dev` (the lock file pins them). Returns the folder.
 */
export async function stageApp(root: string, workDir: string, log: (line: string) => void): Promise<string> {
  const files = await listPackageFiles(root);
  checkPackageFiles(files);
  const stage = join(workDir, 'app');
  await mkdir(stage, { recursive: true });
  for (const file of files) await cp(join(root, file), join(stage, file));
  log(`staged ${files.length} files; installing production dependencies`);
  const lockFile = files.includes('package-lock.json');
  await runNpm(
    lockFile
      ? ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']
      : ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
    stage,
  );
  return stage;
}

async function zipApp(stage: string, workDir: string, log: (line: string) => void): Promise<string> {
  const zipPath = join(workDir, 'app.zip');
  const zip = new yazl.ZipFile();
  let count = 0;
  const add = async (dir: string) => {
    for (const entry of await readdir(join(stage, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : posix.join(dir, entry.name);
      if (entry.isDirectory()) await add(path);
      else if (entry.isFile()) {
        zip.addFile(join(stage, path), path);
        count += 1;
      }
    }
  };
  await add('');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
  log(`zipped ${count} files into ${zipPath}`);
  return zipPath;
}

function runNpm(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new DeployRefusal(`npm ${args.join(' ')} failed (exit ${code}) in ${cwd}`)),
    );
  });
}

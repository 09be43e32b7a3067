// `npm run build`: an incremental `tsc -b` (only what changed since the last build is compiled,
// tsconfig.json "incremental") that never leaves a compiled file behind its source. A .js in
// dist/ whose .ts was deleted or moved would still run: node --test would run an old test, the
// deploy package would register an old function. So before compiling, every .js / .js.map /
// .d.ts under outDir that the current sources do not produce is deleted. Plain JavaScript
// because it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const configPath = path.resolve(process.argv[2] ?? 'tsconfig.json');
const parsed = ts.getParsedCommandLineOfConfigFile(
  configPath,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
const outDir = parsed.options.outDir;
if (outDir === undefined) throw new Error(`${configPath} has no outDir: nothing to clean`);

const expected = new Set(parsed.fileNames.flatMap((file) => ts.getOutputFileNames(parsed, file, false)).map((file) => path.resolve(file)));
const compiled = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;
let removed = 0;
let missing = false;

/** Deletes orphans under `dir`; returns whether the folder is empty afterwards. */
function clean(dir) {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (clean(file)) rmdirSync(file);
      else empty = false;
    } else if (compiled.test(entry.name) && !expected.has(file)) {
      rmSync(file);
      removed += 1;
    } else {
      empty = false;
    }
  }
  return empty;
}

if (existsSync(outDir)) {
  clean(outDir);
  // tsc trusts its build info: an output deleted by hand would not come back. Rebuild all then.
  missing = [...expected].some((file) => file.endsWith('.js') && !existsSync(file));
  const buildInfo = parsed.options.tsBuildInfoFile;
  if (missing && buildInfo !== undefined) rmSync(path.resolve(path.dirname(configPath), buildInfo), { force: true });
}
if (removed > 0) console.log(`build: removed ${removed} compiled file(s) whose source is gone`);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-b', configPath], { stdio: 'inherit' });
process.exit(result.status ?? 1);

import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/** The repository root (this file runs as dist/test/support/cruise-dependencies.js). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Cruises the TypeScript sources under `paths` (relative to `baseDir`) with the repository's
 * rules in .dependency-cruiser.cjs, as `npm run deps` does. `baseDir` defaults to the repository;
 * a test passes a scratch tree to show a wrong import is caught.
 */
export async function cruiseDependencies(paths: string[], baseDir: string = repoRoot): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(`${repoRoot}.dependency-cruiser.cjs`);
  // dependency-cruiser reads rule paths, the files to cruise and package.json (to tell
  // dependencies from devDependencies) relative to the working directory, whatever baseDir says.
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const { output } = await cruise(
      paths,
      { ...options, baseDir, outputType: 'json' },
      {},
      { tsConfig: extractTSConfig(`${baseDir}/tsconfig.json`) },
    );
    return (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  } finally {
    process.chdir(previous);
  }
}

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/bicep-cli.js';

const run = promisify(execFile);

test('restore-dotnet-driver.sh without dotnet says loudly that the .NET SDK was not tested, prints no path, exits 0', async () => {
  // A PATH holding only the tools the script uses before it looks for dotnet.
  const bin = await mkdtemp(join(tmpdir(), 'no-dotnet-'));
  try {
    for (const tool of ['dirname']) {
      await symlink(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    }
    const bash = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
    const { stdout, stderr } = await run(bash, [join(repoRoot, 'tools/scripts/restore-dotnet-driver.sh')], { env: { PATH: bin } });
    assert.equal(stdout, '', 'no driver path is printed, so the test skips');
    assert.match(stderr, /#{20,}\n## SKIPPED: dotnet not found, the development broker was NOT tested with the .NET SDK\n#{20,}/);
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/bicep-cli.js';

const run = promisify(execFile);

test('restore-bicep.sh without dotnet says loudly that nothing was compiled, and exits 0', async () => {
  // A PATH holding only the tools the script uses, none of them dotnet.
  const bin = await mkdtemp(join(tmpdir(), 'no-dotnet-'));
  try {
    for (const tool of ['uname', 'dirname', 'tr', 'find', 'head', 'mkdir', 'cat', 'chmod']) {
      const path = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      await symlink(path, join(bin, tool));
    }
    const bash = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
    const { stdout, stderr } = await run(bash, [join(repoRoot, 'tools/scripts/restore-bicep.sh')], {
      // A version that is never restored, so the script must reach for dotnet.
      env: { PATH: bin, BICEP_VERSION: '0.0.0-not-restored' },
    });
    assert.equal(stdout, '', 'no bicep path is printed');
    assert.match(stderr, /#{20,}\n## SKIPPED: dotnet not found, Bicep templates were NOT compiled\n#{20,}/);
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});

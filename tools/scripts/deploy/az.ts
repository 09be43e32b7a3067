import { spawn } from 'node:child_process';

/** A refusal the user can act on: printed without a stack trace. */
export class DeployRefusal extends Error {
  override readonly name = 'DeployRefusal';
}

export type AzOptions = {
  /** Extra environment for this call (e.g. a secret read by the .bicepparam), never put in argv. */
  env?: NodeJS.ProcessEnv;
  /** Stream az's output to the terminal instead of capturing it. */
  inherit?: boolean;
};

export type AzResult = { exitCode: number; stdout: string; stderr: string };

/** Runs `az` with arguments (no shell). Rejects with DeployRefusal when az is not installed. */
export function az(args: readonly string[], options: AzOptions = {}): Promise<AzResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('az', [...args], {
      env: { ...process.env, ...options.env, AZURE_CORE_NO_COLOR: 'true', AZURE_CORE_ONLY_SHOW_ERRORS: 'true' },
      stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      // az is az.cmd on Windows.
      shell: process.platform === 'win32',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new DeployRefusal(
              'The Azure CLI (az) was not found on PATH. Install it (https://learn.microsoft.com/cli/azure/install-azure-cli), run `az login`, then run this again.',
            )
          : error,
      );
    });
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

/** Runs az and returns its stdout; a failure becomes an error naming what was attempted. */
export async function azOrFail(what: string, args: readonly string[], options: AzOptions = {}): Promise<string> {
  const result = await az(args, options);
  if (result.exitCode !== 0) {
    throw new DeployRefusal(
      `${what} failed (az ${args.slice(0, 3).join(' ')} … exited ${result.exitCode})${result.stderr ? `:\n${result.stderr.trim()}` : ''}`,
    );
  }
  return result.stdout;
}

export type Account = { subscriptionId: string; subscriptionName: string; user: string };

/** Refuses unless az is installed and logged in; returns the subscription that will be used. */
export async function ensureLoggedIn(subscription?: string): Promise<Account> {
  const args = ['account', 'show', '--output', 'json', ...(subscription ? ['--subscription', subscription] : [])];
  const result = await az(args);
  if (result.exitCode !== 0) {
    throw new DeployRefusal(
      subscription
        ? `az cannot use subscription "${subscription}": run \`az login\`, then check \`az account list -o table\`.\n${result.stderr.trim()}`
        : `az is not logged in: run \`az login\` (and \`az account set --subscription <id>\`), then run this again.\n${result.stderr.trim()}`,
    );
  }
  const account = JSON.parse(result.stdout) as { id: string; name: string; user?: { name?: string } };
  return { subscriptionId: account.id, subscriptionName: account.name, user: account.user?.name ?? 'unknown' };
}

/**
 * Which webhook's deliveries the redelivery timer looks after, written as the REST path of the
 * hook (REDELIVERY_HOOK): the GitHub App's own webhook, or one repository or organization hook.
 * https://docs.github.com/en/rest/apps/webhooks · https://docs.github.com/en/rest/repos/webhooks ·
 * https://docs.github.com/en/rest/orgs/webhooks
 */
export type HookTarget =
  | { kind: 'app' }
  | { kind: 'repository'; owner: string; repo: string; hookId: number }
  | { kind: 'organization'; org: string; hookId: number };

const NAME = '[A-Za-z0-9_.-]+';
const REPOSITORY_HOOK = new RegExp(`^/?repos/(${NAME})/(${NAME})/hooks/(\\d+)$`);
const ORGANIZATION_HOOK = new RegExp(`^/?orgs/(${NAME})/hooks/(\\d+)$`);

/** `app`, `repos/OWNER/REPO/hooks/ID` or `orgs/ORG/hooks/ID`; anything else is undefined. */
export function parseHookTarget(text: string): HookTarget | undefined {
  const trimmed = text.trim();
  if (trimmed === 'app' || trimmed === '/app/hook') return { kind: 'app' };
  const repository = REPOSITORY_HOOK.exec(trimmed);
  if (repository) return { kind: 'repository', owner: repository[1]!, repo: repository[2]!, hookId: Number(repository[3]) };
  const organization = ORGANIZATION_HOOK.exec(trimmed);
  if (organization) return { kind: 'organization', org: organization[1]!, hookId: Number(organization[2]) };
  return undefined;
}

/** The hook's REST path, for logs and errors. */
export function describeHookTarget(target: HookTarget): string {
  switch (target.kind) {
    case 'app':
      return '/app/hook';
    case 'repository':
      return `/repos/${target.owner}/${target.repo}/hooks/${target.hookId}`;
    case 'organization':
      return `/orgs/${target.org}/hooks/${target.hookId}`;
  }
}

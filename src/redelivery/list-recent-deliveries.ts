import type { GitHubClient } from './create-github-client.js';
import { hookDeliverySchema, type HookDelivery } from './hook-delivery.js';
import { describeHookTarget, type HookTarget } from '../config/parse-hook-target.js';

export interface RecentDeliveries {
  deliveries: HookDelivery[];
  pages: number;
}

/** The largest page the list endpoints serve (`per_page`, max 100). */
const PAGE_SIZE = 100;

/**
 * Every delivery of the hook since `since`, newest first, page by page through the cursor in
 * the `Link: <…>; rel="next"` header (plugin-paginate-rest follows it). GitHub lists deliveries
 * newest first, so paging stops at the first page that reaches past `since`.
 * https://docs.github.com/en/rest/apps/webhooks#list-deliveries-for-an-app-webhook
 * https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
export async function listRecentDeliveries(client: GitHubClient, hook: HookTarget, since: Date): Promise<RecentDeliveries> {
  const deliveries: HookDelivery[] = [];
  let pages = 0;
  for await (const page of deliveryPages(client, hook)) {
    pages += 1;
    let reachedPast = false;
    for (const [index, item] of (page.data as unknown[]).entries()) {
      const parsed = hookDeliverySchema.safeParse(item);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
        throw new Error(
          `GET ${describeHookTarget(hook)}/deliveries page ${pages} item ${index} is not a hook delivery as documented: ${problems}`,
        );
      }
      if (Date.parse(parsed.data.delivered_at) < since.getTime()) reachedPast = true;
      else deliveries.push(parsed.data);
    }
    if (reachedPast) break;
  }
  return { deliveries, pages };
}

function deliveryPages(client: GitHubClient, hook: HookTarget): AsyncIterable<{ data: unknown }> {
  switch (hook.kind) {
    case 'app':
      return client.paginate.iterator('GET /app/hook/deliveries', { per_page: PAGE_SIZE });
    case 'repository':
      return client.paginate.iterator('GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries', {
        owner: hook.owner,
        repo: hook.repo,
        hook_id: hook.hookId,
        per_page: PAGE_SIZE,
      });
    case 'organization':
      return client.paginate.iterator('GET /orgs/{org}/hooks/{hook_id}/deliveries', {
        org: hook.org,
        hook_id: hook.hookId,
        per_page: PAGE_SIZE,
      });
  }
}

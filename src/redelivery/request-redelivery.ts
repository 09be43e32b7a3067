import type { GitHubClient } from './create-github-client.js';
import type { HookTarget } from '../config/parse-hook-target.js';

/**
 * Asks GitHub to deliver one delivery attempt again (202 Accepted; GitHub sends it to the webhook
 * with the same X-GitHub-Delivery guid and a fresh signature, shortly after).
 * https://docs.github.com/en/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook
 */
export async function requestRedelivery(client: GitHubClient, hook: HookTarget, deliveryId: number): Promise<void> {
  switch (hook.kind) {
    case 'app':
      await client.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: deliveryId });
      return;
    case 'repository':
      await client.request('POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts', {
        owner: hook.owner,
        repo: hook.repo,
        hook_id: hook.hookId,
        delivery_id: deliveryId,
      });
      return;
    case 'organization':
      await client.request('POST /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts', {
        org: hook.org,
        hook_id: hook.hookId,
        delivery_id: deliveryId,
      });
      return;
  }
}

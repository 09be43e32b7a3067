import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { routerUserAgent } from '../targets/user-agent.js';
import type { RedeliveryConfig } from './read-redelivery-config.js';

const GitHubClient = Octokit.plugin(paginateRest);
export type GitHubClient = InstanceType<typeof GitHubClient>;

/** One GitHub call that has not answered in this long is abandoned (the run stops, the next one retries). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * An Octokit client for the hook's delivery endpoints. App hooks authenticate as the app itself:
 * `@octokit/auth-app` signs a short-lived JWT with the private key for every `/app/hook/...`
 * request (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app);
 * repository and organization hooks take a token with the webhooks permission. No retry or
 * throttling plugin: a rate-limited run stops and the next scheduled run carries on.
 */
export function createGitHubClient(config: Pick<RedeliveryConfig, 'apiUrl' | 'credentials'>): GitHubClient {
  const common = {
    baseUrl: config.apiUrl,
    userAgent: routerUserAgent(),
    request: {
      fetch: (url: string | URL, init: RequestInit = {}) =>
        fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    },
    // Octokit's own warnings go nowhere: the run reports outcomes itself, never a credential.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const { credentials } = config;
  return credentials.kind === 'app'
    ? new GitHubClient({ ...common, authStrategy: createAppAuth, auth: { appId: credentials.appId, privateKey: credentials.privateKey } })
    : new GitHubClient({ ...common, auth: credentials.token });
}

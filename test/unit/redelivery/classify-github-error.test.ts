import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeGitHubError, rateLimitOf } from '../../../src/redelivery/classify-github-error.js';

const httpError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error('API rate limit exceeded'), { name: 'HttpError', status, response: { headers } });
const NOW = new Date('2026-11-29T12:00:00Z');

test("GitHub's rate limits: 403/429 with x-ratelimit-remaining 0 or retry-after; a 429 always", () => {
  assert.deepEqual(rateLimitOf(httpError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1796040000' }), NOW), {
    retryAt: new Date(1796040000 * 1000),
  });
  assert.deepEqual(rateLimitOf(httpError(429, { 'retry-after': '60' }), NOW), { retryAt: new Date(NOW.getTime() + 60_000) });
  assert.deepEqual(rateLimitOf(httpError(429), NOW), {});
  assert.equal(rateLimitOf(httpError(403, { 'x-ratelimit-remaining': '4999' }), NOW), undefined, 'a plain 403 is a permission problem');
  assert.equal(rateLimitOf(httpError(500), NOW), undefined);
  assert.equal(rateLimitOf(new Error('socket hang up'), NOW), undefined);
});

test('errors name the call and the likely setting', () => {
  assert.match(describeGitHubError(httpError(404), 'GET /orgs/o/hooks/1/deliveries'), /answered 404.*REDELIVERY_HOOK and GITHUB_API_URL/);
  assert.match(
    describeGitHubError(httpError(401), 'GET /app/hook/deliveries'),
    /GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_HOOK_TOKEN/,
  );
  assert.match(describeGitHubError(new Error('connect ECONNREFUSED'), 'GET x'), /GET x failed: connect ECONNREFUSED/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatternError, compileEventFilter, compileRepositoryFilter } from '../../../src/bots/match-event.js';

const takesIssuesOpened = (...patterns: string[]) => compileEventFilter(patterns)('issues', 'opened');

test('issues.opened is taken by "issues", "issues.*", "issues.opened" and "*"', () => {
  assert.equal(takesIssuesOpened('issues'), true);
  assert.equal(takesIssuesOpened('issues.*'), true);
  assert.equal(takesIssuesOpened('issues.opened'), true);
  assert.equal(takesIssuesOpened('*'), true);
});

test('issues.opened is not taken by other events or other actions', () => {
  assert.equal(takesIssuesOpened('issues.closed'), false);
  assert.equal(takesIssuesOpened('pull_request'), false);
  assert.equal(takesIssuesOpened('issue_comment.*'), false);
});

test('exclusions win over inclusions', () => {
  assert.equal(takesIssuesOpened('issues', '!issues.opened'), false);
  assert.equal(takesIssuesOpened('*', '!issues'), false);
  assert.equal(takesIssuesOpened('issues.opened', '!issues.*'), false);
  assert.equal(takesIssuesOpened('issues', '!issues.deleted'), true);
  assert.equal(compileEventFilter(['issues', '!issues.deleted'])('issues', 'deleted'), false);
});

test('a list of exclusions only is refused (as GitHub Actions filters do): "!issues.opened" alone would mean nothing', () => {
  assert.throws(() => compileEventFilter(['!issues.opened']), PatternError);
  assert.throws(() => compileEventFilter(['!issues.opened']), /only exclusions.*"\*"/);
});

test('events without an action match "event" and "event.*", never "event.something"', () => {
  const filter = compileEventFilter(['push', 'create.*', 'delete.branch']);
  assert.equal(filter('push', null), true);
  assert.equal(filter('create', null), true);
  assert.equal(filter('delete', null), false);
});

test('malformed patterns are refused', () => {
  for (const bad of ['', '!', 'issues.', '.opened', 'issues.opened.now', '*.opened']) {
    assert.throws(() => compileEventFilter([bad]), PatternError, bad);
  }
});

test('no repository filter takes every repository and account-level events', () => {
  const filter = compileRepositoryFilter(undefined);
  assert.equal(filter('octocat/Hello-World'), true);
  assert.equal(filter(null), true);
});

test('repository patterns: owner/name with * wildcards within a segment, case-insensitive, exclusions win', () => {
  const filter = compileRepositoryFilter(['octocat/*', 'octo-org/hello-*', '!octocat/secret']);
  assert.equal(filter('octocat/Hello-World'), true);
  assert.equal(filter('OctoCat/hello-world'), true, 'GitHub names are case-insensitive');
  assert.equal(filter('octo-org/hello-world'), true);
  assert.equal(filter('octo-org/goodbye-world'), false);
  assert.equal(filter('octocat/secret'), false);
  assert.equal(filter('someone/Hello-World'), false);
  assert.equal(filter(null), false, 'a bot limited to repositories does not get account-level events');
});

test('repository patterns are literal apart from *', () => {
  const filter = compileRepositoryFilter(['my.org/repo']);
  assert.equal(filter('my.org/repo'), true);
  assert.equal(filter('myXorg/repo'), false);
  assert.throws(() => compileRepositoryFilter(['!octocat/secret']), /only exclusions/);
  assert.throws(() => compileRepositoryFilter(['octocat']), PatternError);
});

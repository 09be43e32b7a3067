import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoute } from '../../../tools/local-host/route-template.js';

test('literal routes match case-insensitively and nothing longer or shorter', () => {
  const route = compileRoute('github/webhooks');
  assert.deepEqual(route.match('/github/webhooks'), {});
  assert.deepEqual(route.match('/GitHub/Webhooks/'), {});
  assert.equal(route.match('/github'), undefined);
  assert.equal(route.match('/github/webhooks/extra'), undefined);
});

test('parameters are decoded; a catch-all takes the rest of the path', () => {
  const sessions = compileRoute('sessions/{bot}/{*sessionId}');
  assert.deepEqual(sessions.match('/sessions/merge-warden/pr-octo%2Fhello-42'), { bot: 'merge-warden', sessionId: 'pr-octo/hello-42' });
  assert.deepEqual(sessions.match('/sessions/merge-warden/branch-octo/hello-feature/x'), {
    bot: 'merge-warden',
    sessionId: 'branch-octo/hello-feature/x',
  });
  assert.deepEqual(sessions.match('/sessions/merge-warden'), { bot: 'merge-warden', sessionId: '' });
  assert.equal(sessions.match('/sessions'), undefined);
});

test('optional parameters and constraints', () => {
  const metrics = compileRoute('metrics/{bot?}');
  assert.deepEqual(metrics.match('/metrics'), {});
  assert.deepEqual(metrics.match('/metrics/spec-sentinel'), { bot: 'spec-sentinel' });
  const byNumber = compileRoute('items/{id:int}');
  assert.deepEqual(byNumber.match('/items/42'), { id: '42' });
  assert.equal(byNumber.match('/items/abc'), undefined);
});

test('literals are more specific than parameters, parameters than catch-alls', () => {
  const literal = compileRoute('sessions/hot');
  const param = compileRoute('sessions/{bot}');
  const catchAll = compileRoute('sessions/{*rest}');
  assert.ok(literal.specificity > param.specificity);
  assert.ok(param.specificity > catchAll.specificity);
});

test('templates this host cannot serve are refused with the segment', () => {
  assert.throws(() => compileRoute('a/{*rest}/b'), /segment "\{\*rest\}" is a catch-all, which must be the last segment/);
  assert.throws(() => compileRoute('a/{x?}/b'), /optional, which only the last segment may be/);
  assert.throws(() => compileRoute('a/pre{x}'), /mixes text and a parameter/);
  assert.throws(() => compileRoute('a/{x:weird}'), /constraint "weird"/);
});

test('a literal second segment beats a longer route with a parameter there', () => {
  assert.ok(compileRoute('sessions/hot').specificity > compileRoute('sessions/{bot}/{*sessionId}').specificity);
});

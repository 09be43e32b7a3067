import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '../../../src/errors/delivery-errors.js';
import { createSessionOrder } from '../../../src/transport/session-order.js';

/** A send the test settles by hand; `started` says whether it was begun. */
function gatedSend(log: string[], name: string) {
  let settle!: (ok: boolean) => void;
  const state = { started: false };
  const run = () => {
    state.started = true;
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      settle = (ok) => {
        log.push(`${ok ? 'done' : 'fail'} ${name}`);
        if (ok) resolve(name);
        else reject(new Error(`${name} failed`));
      };
    });
  };
  return { run, state, settle: (ok: boolean) => settle(ok) };
}

const idle = () => new AbortController().signal;
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a later send with the same key starts only after the earlier one settled, even when the earlier one failed', async () => {
  const order = createSessionOrder();
  const log: string[] = [];
  const first = gatedSend(log, 'first');
  const second = gatedSend(log, 'second');
  const firstResult = order.reserve('q|s').run(idle(), first.run);
  const secondResult = order.reserve('q|s').run(idle(), second.run);
  await turn();
  assert.equal(second.state.started, false);
  first.settle(false);
  await assert.rejects(firstResult, /first failed/);
  await turn();
  assert.equal(second.state.started, true);
  second.settle(true);
  assert.equal(await secondResult, 'second');
  assert.deepEqual(log, ['start first', 'fail first', 'start second', 'done second']);
  await turn();
  assert.equal(order.pendingKeys, 0);
});

test('other keys do not wait', async () => {
  const order = createSessionOrder();
  const log: string[] = [];
  const slow = gatedSend(log, 'slow');
  const slowResult = order.reserve('q|s').run(idle(), slow.run);
  assert.equal(await order.reserve('q|t').run(idle(), async () => 'other session'), 'other session');
  assert.equal(await order.reserve('r|s').run(idle(), async () => 'other queue'), 'other queue');
  await turn();
  assert.equal(order.pendingKeys, 1, 'only the slow send is still in line');
  slow.settle(true);
  await slowResult;
  await turn();
  assert.equal(order.pendingKeys, 0);
});

test('a waiting send whose budget runs out fails without running, and the next one still waits for the earlier send', async () => {
  const order = createSessionOrder();
  const log: string[] = [];
  const first = gatedSend(log, 'first');
  const doomed = gatedSend(log, 'doomed');
  const third = gatedSend(log, 'third');
  const budget = new AbortController();
  const firstResult = order.reserve('q|s').run(idle(), first.run);
  const doomedResult = order.reserve('q|s').run(budget.signal, doomed.run);
  const thirdResult = order.reserve('q|s').run(idle(), third.run);
  budget.abort();
  await assert.rejects(
    doomedResult,
    (error: unknown) => error instanceof TransientError && /budget ran out while an earlier event of the same session/.test(error.message),
  );
  await turn();
  assert.equal(doomed.state.started, false);
  assert.equal(third.state.started, false, 'the third send overtook the first');
  first.settle(true);
  await firstResult;
  await turn();
  third.settle(true);
  await thirdResult;
  assert.deepEqual(log, ['start first', 'done first', 'start third', 'done third']);
  await turn();
  assert.equal(order.pendingKeys, 0);
});

test('a send whose budget already ran out does not run when it would have to wait', async () => {
  const order = createSessionOrder();
  const log: string[] = [];
  const first = gatedSend(log, 'first');
  const firstResult = order.reserve('q|s').run(idle(), first.run);
  await assert.rejects(
    order.reserve('q|s').run(AbortSignal.abort(), async () => log.push('late')),
    TransientError,
  );
  first.settle(true);
  await firstResult;
  await turn();
  assert.deepEqual(log, ['start first', 'done first']);
  assert.equal(order.pendingKeys, 0);
});

test('a reserved place holds later sends until it is used, and gives way at once when released', async () => {
  const order = createSessionOrder();
  const log: string[] = [];
  const first = order.reserve('q|s');
  const second = order.reserve('q|s');
  const third = order.reserve('q|s');
  const secondResult = second.run(idle(), async (waited) => log.push(`second waited=${waited}`));
  await turn();
  assert.equal(log.length, 0, 'the second send overtook a place reserved before it');
  assert.equal(await order.reserve('q|t').run(idle(), async () => 'other session'), 'other session');

  first.release();
  await secondResult;
  const late = gatedSend(log, 'third');
  const thirdResult = third.run(idle(), late.run);
  third.release(); // once run, a release (as in a `finally`) must not let the next one overtake it
  const fourth = order.reserve('q|s').run(idle(), async () => log.push('fourth'));
  await turn();
  assert.deepEqual(log, ['second waited=true', 'start third']);
  late.settle(true);
  await Promise.all([thirdResult, fourth]);
  assert.deepEqual(log, ['second waited=true', 'start third', 'done third', 'fourth']);
  await turn();
  assert.equal(order.pendingKeys, 0);
});

test('a place is used once: a second run is refused, and a send that throws at once still gives its place up', async () => {
  const order = createSessionOrder();
  const ticket = order.reserve('q|s');
  await ticket.run(idle(), async () => 'sent');
  assert.throws(() => ticket.run(idle(), async () => 'again'), /already used or released/);
  const throwing = (): Promise<string> => {
    throw new Error('could not build the message');
  };
  await assert.rejects(order.reserve('q|s').run(idle(), throwing), /could not build the message/);
  assert.equal(await order.reserve('q|s').run(idle(), async () => 'next'), 'next');
  await turn();
  assert.equal(order.pendingKeys, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNcrontab } from '../../../tools/local-host/ncrontab.js';

const at = (iso: string) => new Date(iso);
const nexts = (expression: string, from: string, count: number) => {
  const schedule = parseNcrontab(expression);
  const result: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    result.push(t.toISOString());
  }
  return result;
};

test('the janitor schedule "0 */1 * * * *" fires at the top of every minute, strictly after the given time', () => {
  assert.deepEqual(nexts('0 */1 * * * *', '2026-11-26T17:14:59.500Z', 3), [
    '2026-11-26T17:15:00.000Z',
    '2026-11-26T17:16:00.000Z',
    '2026-11-26T17:17:00.000Z',
  ]);
  assert.equal(parseNcrontab('0 */1 * * * *').next(at('2026-11-26T17:15:00.000Z')).toISOString(), '2026-11-26T17:16:00.000Z');
});

test('steps, lists and ranges combine per field', () => {
  assert.deepEqual(nexts('*/20 * * * * *', '2026-01-01T00:00:00Z', 4), [
    '2026-01-01T00:00:20.000Z',
    '2026-01-01T00:00:40.000Z',
    '2026-01-01T00:01:00.000Z',
    '2026-01-01T00:01:20.000Z',
  ]);
  assert.deepEqual(nexts('0 5,35 9-10 * * *', '2026-01-01T09:30:00Z', 4), [
    '2026-01-01T09:35:00.000Z',
    '2026-01-01T10:05:00.000Z',
    '2026-01-01T10:35:00.000Z',
    '2026-01-02T09:05:00.000Z',
  ]);
  assert.deepEqual(nexts('0 0 12 1-10/3 * *', '2026-03-02T00:00:00Z', 3), [
    '2026-03-04T12:00:00.000Z',
    '2026-03-07T12:00:00.000Z',
    '2026-03-10T12:00:00.000Z',
  ]);
});

test('weekdays and months, by number or name, cross month and year ends', () => {
  // 2026-11-26 is a Thursday.
  assert.deepEqual(nexts('0 30 9 * * mon-fri', '2026-11-27T10:00:00Z', 2), ['2026-11-30T09:30:00.000Z', '2026-12-01T09:30:00.000Z']);
  assert.deepEqual(nexts('0 0 0 1 jan *', '2026-11-26T00:00:00Z', 2), ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  assert.deepEqual(nexts('0 0 0 29 2 *', '2026-01-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});

test('bad schedules are refused with the field and the reason', () => {
  assert.throws(() => parseNcrontab('*/5 * * * *'), /six fields .* got 5/);
  assert.throws(() => parseNcrontab('0 61 * * * *'), /minute field "61" has 61, outside 0-59/);
  assert.throws(() => parseNcrontab('0 */0 * * * *'), /minute field "\*\/0" has step "0"/);
  assert.throws(() => parseNcrontab('0 0 5-1 * * *'), /hour field "5-1" has the range 5-1, which runs backwards/);
  assert.throws(() => parseNcrontab('0 0 0 * * funday'), /day-of-week field "funday" has "funday", which is not a number/);
  assert.throws(() => parseNcrontab('0 0 0 31 2 *').next(new Date()), /never fires/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimerSchedule } from '../../../src/config/parse-timer-schedule.js';
import { readSettings } from '../../../src/config/settings.js';

const at = (iso: string) => new Date(iso);
const nexts = (expression: string, from: string, count: number) => {
  const schedule = parseTimerSchedule(expression);
  const result: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    result.push(t.toISOString());
  }
  return result;
};

test('the shipped schedules: janitor "0 */1 * * * *", redelivery "0 */10 * * * *", local sweep "30 */1 * * * *", strictly after the given time', () => {
  assert.deepEqual(nexts('0 */1 * * * *', '2026-11-26T17:14:59.500Z', 3), [
    '2026-11-26T17:15:00.000Z',
    '2026-11-26T17:16:00.000Z',
    '2026-11-26T17:17:00.000Z',
  ]);
  assert.equal(parseTimerSchedule('0 */1 * * * *').next(at('2026-11-26T17:15:00.000Z')).toISOString(), '2026-11-26T17:16:00.000Z');
  assert.deepEqual(nexts('0 */10 * * * *', '2026-11-26T17:14:59.500Z', 3), [
    '2026-11-26T17:20:00.000Z',
    '2026-11-26T17:30:00.000Z',
    '2026-11-26T17:40:00.000Z',
  ]);
  assert.deepEqual(nexts('30 */1 * * * *', '2026-11-26T17:15:30.000Z', 2), ['2026-11-26T17:16:30.000Z', '2026-11-26T17:17:30.000Z']);
});

test('steps, lists and ranges combine per field; "n/step" runs from n to the end of the range, as NCrontab reads it', () => {
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
  assert.deepEqual(nexts('0 0 12 5/10 * *', '2026-03-02T00:00:00Z', 3), [
    '2026-03-05T12:00:00.000Z',
    '2026-03-15T12:00:00.000Z',
    '2026-03-25T12:00:00.000Z',
  ]);
});

test('weekdays and months, by number or name, cross month and year ends, in UTC', () => {
  // 2026-11-26 is a Thursday.
  assert.deepEqual(nexts('0 30 9 * * mon-fri', '2026-11-27T10:00:00Z', 2), ['2026-11-30T09:30:00.000Z', '2026-12-01T09:30:00.000Z']);
  assert.deepEqual(nexts('0 0 0 1 jan *', '2026-11-26T00:00:00Z', 2), ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  assert.deepEqual(nexts('0 0 0 29 2 *', '2026-01-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});

test('a day must match both day fields, as NCrontab (the host\'s parser) does: "0 0 0 13 * fri" is Friday the 13th only', () => {
  // Vixie cron would fire on every 13th and every Friday; the Functions host fires on Friday the 13ths.
  assert.deepEqual(nexts('0 0 0 13 * fri', '2026-01-01T00:00:00Z', 3), [
    '2026-02-13T00:00:00.000Z',
    '2026-03-13T00:00:00.000Z',
    '2026-11-13T00:00:00.000Z',
  ]);
});

test('bad schedules are refused with the field and the reason, including what croner reads but the host does not', () => {
  assert.throws(() => parseTimerSchedule('*/5 * * * *'), /has 5 fields; NCRONTAB has six/);
  assert.throws(() => parseTimerSchedule('0 61 * * * *'), /minute: 61/);
  assert.throws(() => parseTimerSchedule('0 */0 * * * *'), /illegal stepping: 0/);
  assert.throws(() => parseTimerSchedule('0 0 5-1 * * *'), /'5-1'/);
  assert.throws(() => parseTimerSchedule('0 0 0 * * funday'), /day-of-week field "funday" has "funday", which NCRONTAB does not read/);
  assert.throws(() => parseTimerSchedule('0 0 0 L * *'), /day field "L"/);
  assert.throws(() => parseTimerSchedule('0 0 0 * * 5#2'), /day-of-week field "5#2"/);
  assert.throws(() => parseTimerSchedule('0 0 0 31 2 *').next(new Date()), /never fires/);
});

test('JANITOR_SCHEDULE and REDELIVERY_SCHEDULE are checked at start-up, naming the setting (blank = the default)', () => {
  assert.throws(
    () => readSettings({ JANITOR_SCHEDULE: '0 61 * * * *' }),
    /JANITOR_SCHEDULE: must be a six-field NCRONTAB expression .*"0 \*\/1 \* \* \* \*".*minute: 61/,
  );
  assert.throws(
    () => readSettings({ REDELIVERY_SCHEDULE: '0 */10 * * * L' }),
    /REDELIVERY_SCHEDULE: must be a six-field NCRONTAB .*day-of-week field "L"/,
  );
  assert.equal(readSettings({ JANITOR_SCHEDULE: ' ' }).JANITOR_SCHEDULE, '0 */1 * * * *');
  assert.equal(readSettings({ JANITOR_SCHEDULE: ' 0 */5 * * * * ' }).JANITOR_SCHEDULE, '0 */5 * * * *');
});

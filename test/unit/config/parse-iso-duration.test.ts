import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoDuration } from '../../../src/config/parse-iso-duration.js';

test('parses the durations Azure and bots.json use', () => {
  assert.equal(parseIsoDuration('PT1M'), 60_000);
  assert.equal(parseIsoDuration('PT2H'), 7_200_000);
  assert.equal(parseIsoDuration('P3D'), 259_200_000);
  assert.equal(parseIsoDuration('PT1M30S'), 90_000);
  assert.equal(parseIsoDuration('PT0.5S'), 500);
});

test('refuses text that is not a day-time ISO 8601 duration', () => {
  for (const bad of ['', 'P', 'PT', '1h', 'P1Y', 'P1W', 'PT-1M', 'P1DT']) {
    assert.equal(parseIsoDuration(bad), undefined, bad);
  }
});

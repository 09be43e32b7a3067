import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLocalArgs } from '../../../tools/local-host/parse-local-args.js';

test('npm start takes --port as "--port 0" or "--port=8080", and --help / -h', () => {
  assert.deepEqual(parseLocalArgs([]), { help: false });
  assert.deepEqual(parseLocalArgs(['--port', '0']), { help: false, httpPort: 0 });
  assert.deepEqual(parseLocalArgs(['--port=8080']), { help: false, httpPort: 8080 });
  assert.equal(parseLocalArgs(['-h']).help, true);
});

test('a bad or unknown argument is refused with what was wrong and the usage', () => {
  assert.throws(() => parseLocalArgs(['--port', 'abc']), /--port needs a port number \(0-65535\), got "abc"\nusage:/);
  assert.throws(() => parseLocalArgs(['--port', '70000']), /got "70000"/);
  assert.throws(() => parseLocalArgs(['--port']), /Option '--port <value>' argument missing[\s\S]*usage:/);
  assert.throws(() => parseLocalArgs(['--verbose']), /Unknown option '--verbose'[\s\S]*usage:/);
  assert.throws(() => parseLocalArgs(['extra']), /positional argument[\s\S]*usage:/);
});

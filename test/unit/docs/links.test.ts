import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { headingAnchors, relativeLinks } from '../../support/markdown-links.js';

// README.md is the front door and docs/*.md the manual behind it: a link that leads nowhere, or a
// README that grows back into the manual, is a defect a reader meets first.

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const readmeLimitBytes = 12 * 1024;
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** What is wrong with one link of `page`, or undefined when it resolves. */
function brokenLink(page: string, target: string): string | undefined {
  const [filePart = '', anchor] = target.split('#', 2) as [string, string | undefined];
  const file = filePart === '' ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), decodeURI(filePart));
  if (!file.startsWith(root)) return 'points outside the repository';
  if (!existsSync(file)) return `${path.relative(root, file)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} on a file that is not Markdown`;
  const anchors = headingAnchors(readFileSync(file, 'utf8'));
  return anchors.has(decodeURIComponent(anchor)) ? undefined : `${path.relative(root, file)} has no heading with anchor #${anchor}`;
}

test('every relative link and #anchor in README.md and docs/*.md resolves to a file and heading', () => {
  const broken: string[] = [];
  for (const page of pages) {
    for (const { target, line } of relativeLinks(readFileSync(path.join(root, page), 'utf8'))) {
      const problem = brokenLink(page, target);
      if (problem !== undefined) broken.push(`${page}:${line} (${target}): ${problem}`);
    }
  }
  assert.deepEqual(broken, []);
});

test(`README.md stays a front door: at most ${readmeLimitBytes} bytes, the rest in docs/`, () => {
  const size = statSync(path.join(root, 'README.md')).size;
  assert.ok(size <= readmeLimitBytes, `README.md is ${size} bytes; move detail to a docs/ page`);
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const command of ['npm start', 'npm test']) assert.ok(readme.includes(command), `README.md no longer says \`${command}\``);
});

test('the link checker itself: GitHub anchors, code left alone, missing targets reported', () => {
  const anchors = headingAnchors(
    [
      '# Webhook endpoint: `POST /api/github/webhooks`',
      "## Catch-up redelivery through GitHub's API",
      '## Notes',
      '## Notes',
      '```',
      '# not a heading',
      '```',
    ].join('\n'),
  );
  const expected = ['webhook-endpoint-post-apigithubwebhooks', 'catch-up-redelivery-through-githubs-api', 'notes', 'notes-1'];
  assert.deepEqual([...anchors], expected);
  const links = relativeLinks('[a](docs/x.md#y) `[b](not/a/link)` [c](https://example.com) [d](#here)\n```\n[e](in/code)\n```\n');
  assert.deepEqual(
    links.map((link) => link.target),
    ['docs/x.md#y', '#here'],
  );
  assert.match(brokenLink('README.md', 'docs/no-such-page.md') ?? '', /does not exist/);
  assert.match(brokenLink('README.md', 'docs/architecture.md#no-such-heading') ?? '', /no heading with anchor/);
});

import { parseArgs } from 'node:util';
import { defaultWebhookUrl, localSetting } from './lib/local-target.js';
import { describeUnreachable } from './lib/describe-unreachable.js';
import { postWebhook } from './lib/post-webhook.js';
import { exampleFor, rewritePayload } from './lib/webhook-examples.js';

const USAGE = `usage: npm run send -- <event>[.<action>] [options]

Signs a real example payload from @octokit/webhooks-examples and posts it to the running app.

  --repo owner/name   move the event to this repository
  --number N          pull request / issue number
  --branch NAME       branch for push / create / delete
  --on-pr             issue_comment on a pull request (GitHub sends PR comments that way)
  --sender LOGIN      who did it
  --url URL           default http://localhost:7071/api/github/webhooks (LOCAL_HTTP_PORT, else Host.LocalHttpPort)
  --secret S          default GITHUB_WEBHOOK_SECRET from the environment or local.settings.json

examples:
  npm run send -- pull_request.opened --repo octo/app --number 7
  npm run send -- issue_comment.created --repo octo/app --number 7 --on-pr
  npm run send -- push --repo octo/app --branch main`;

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0)
    throw new Error(`--number must be a positive whole number, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      number: { type: 'string' },
      branch: { type: 'string' },
      'on-pr': { type: 'boolean' },
      sender: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const { event, action, payload } = exampleFor(positionals[0]!);
  rewritePayload(payload, {
    repo: values.repo,
    number: values.number === undefined ? undefined : positiveNumber(values.number),
    branch: values.branch,
    onPullRequest: values['on-pr'],
    sender: values.sender,
  });
  const url = values.url ?? defaultWebhookUrl();
  const secret = values.secret ?? localSetting('GITHUB_WEBHOOK_SECRET');
  if (!secret) throw new Error('No secret: pass --secret or set GITHUB_WEBHOOK_SECRET');

  let answer;
  try {
    answer = await postWebhook({ url, secret, event, payload });
  } catch (error) {
    throw new Error(describeUnreachable(url, error));
  }
  const repo = (payload.repository as { full_name?: string } | undefined)?.full_name;
  console.log(`POST ${url}\n  ${event}${action ? `.${action}` : ''}${repo ? ` on ${repo}` : ''}  delivery ${answer.deliveryId}`);
  console.log(`← ${answer.status} ${JSON.stringify(answer.body, null, 2)}`);
  if (answer.status >= 400) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

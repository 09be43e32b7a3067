import type { BotsFile } from '../../../src/bots/bot-config-schema.js';

/** The GitHub events to subscribe the webhook to: every event some bot listens to, or '*' for all. */
export function webhookEvents(bots: BotsFile): string[] | '*' {
  const events = new Set<string>();
  for (const bot of bots.bots) {
    for (const pattern of bot.events) {
      if (pattern.startsWith('!')) continue;
      const event = pattern.split('.')[0]!;
      if (event === '*') return '*';
      events.add(event);
    }
  }
  return [...events].sort();
}

export type WebhookSetup = {
  webhookUrl: string;
  keyVaultName: string;
  secretName: string;
  events: string[] | '*';
  /** True when this deployment wrote a secret (generated or from GITHUB_WEBHOOK_SECRET). */
  secretWritten: boolean;
};

/** What to do in GitHub once the app is up; printed at the end of a deployment. */
export function webhookSetupText(setup: WebhookSetup): string {
  const events =
    setup.events === '*'
      ? 'choose "Send me everything" (a bot listens to "*")'
      : `choose "Let me select individual events" and tick: ${setup.events.join(', ')}`;
  return `
Webhook URL: ${setup.webhookUrl}

Set it up in GitHub (repository or organization → Settings → Webhooks → Add webhook;
for a GitHub App: the app's settings → Webhook):
  Payload URL   ${setup.webhookUrl}
  Content type  application/json   (application/x-www-form-urlencoded works too)
  Secret        the value in Key Vault ${setup.keyVaultName}, secret ${setup.secretName}${setup.secretWritten ? ' (written by this deployment)' : ''}:
                  az keyvault secret show --vault-name ${setup.keyVaultName} --name ${setup.secretName} --query value -o tsv
  SSL           keep verification enabled
  Events        ${events}
  Active        ticked

GitHub sends a ping when the hook is saved; Recent Deliveries should show 200.
Role assignments and the Key Vault reference can take a few minutes to take effect: if the
ping answers 500 (no secret resolved yet), wait, run
  az functionapp restart --resource-group <group> --name <app>
and press "Redeliver" on the ping.
To rotate the secret: az keyvault secret set --vault-name ${setup.keyVaultName} --name ${setup.secretName} --value <new>,
then update it in GitHub (see docs/deploy.md, "The webhook secret").`;
}

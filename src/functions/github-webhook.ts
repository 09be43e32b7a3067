import azureFunctions from '@azure/functions';
import { readSettings } from '../config/settings.js';
import { createWebhookHandler } from '../ingress/create-webhook-handler.js';
import { createWebhookRuntime } from '../ingress/create-webhook-runtime.js';
import { defineWebhookFunction } from '../ingress/define-webhook-function.js';

// Built once per worker process: one ServiceBusClient, one sender per queue, for every request.
const webhook = defineWebhookFunction(createWebhookHandler(createWebhookRuntime(readSettings())));

azureFunctions.app.http(webhook.name, {
  route: webhook.route,
  methods: webhook.methods,
  authLevel: webhook.authLevel,
  handler: webhook.handler,
});

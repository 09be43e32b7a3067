import { z } from 'zod';

/**
 * The fields of GitHub's "hook delivery item" the timer reads, as the list endpoints return them
 * (app, repository and organization hooks share the shape):
 * https://docs.github.com/en/rest/apps/webhooks#list-deliveries-for-an-app-webhook
 * `guid` is the X-GitHub-Delivery header, the same for a delivery and all its redeliveries;
 * `id` is one attempt; `status_code` is our webhook's answer (0 when there was none: timeout,
 * connection refused).
 */
export const hookDeliverySchema = z.object({
  id: z.number().int(),
  guid: z.string().min(1),
  delivered_at: z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO 8601 time'),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number().int(),
  event: z.string(),
  action: z.string().nullish(),
});

export type HookDelivery = z.infer<typeof hookDeliverySchema>;

/** A 2xx answer: the webhook accepted (or deliberately ignored) the delivery. */
export const succeeded = (delivery: HookDelivery): boolean => delivery.status_code >= 200 && delivery.status_code < 300;

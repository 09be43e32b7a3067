/**
 * GitHub's delivery ids are GUIDs. The id becomes the Service Bus MessageId (≤ 128 chars) and
 * the claim-check blob name, so anything else is refused rather than truncated or escaped:
 * letters, digits and dashes, starting with a letter or digit, at most 128 characters.
 */
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

export function isValidDeliveryId(deliveryId: string): boolean {
  return DELIVERY_ID.test(deliveryId);
}

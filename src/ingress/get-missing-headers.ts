/** The headers GitHub always sends with a signed delivery, spelled as GitHub documents them. */
export const REQUIRED_WEBHOOK_HEADERS = ['X-GitHub-Event', 'X-GitHub-Delivery', 'X-Hub-Signature-256'] as const;

/** The required headers that are absent or blank, in the order above (header lookup ignores case). */
export function getMissingHeaders(headers: Headers): string[] {
  return REQUIRED_WEBHOOK_HEADERS.filter((name) => !headers.get(name)?.trim());
}

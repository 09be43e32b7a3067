/**
 * How Table Storage answers, read the same way by every table the app keeps (sessions, poison
 * records, replay claims). A leaf module: plain checks on a RestError-shaped value.
 * Error codes: https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 */

/** The HTTP status of a failed Table call, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 404 TableNotFound: the table itself is missing (a missing row is 404 ResourceNotFound). */
export function isTableMissing(error: unknown): boolean {
  if (statusOf(error) !== 404) return false;
  const { code, details } = error as { code?: unknown; details?: { errorCode?: unknown } };
  return code === 'TableNotFound' || details?.errorCode === 'TableNotFound';
}

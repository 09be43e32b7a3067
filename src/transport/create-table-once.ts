import type { TableClient } from '@azure/data-tables';
import { isTableMissing } from './table-errors.js';

export interface TableOnce {
  /** Creates the table on the first call (409 TableAlreadyExists is success to the SDK); later calls share that. */
  ensure(): Promise<void>;
  /**
   * The table was deleted while the app runs (a call failed with TableNotFound after `seen`):
   * create it again, once for every caller that saw it missing, instead of failing until a restart.
   */
  recreate(seen: Promise<void>): Promise<void>;
  /**
   * Runs a write against the table: created first if need be, and made again once if it was
   * deleted while the app runs (TableNotFound), so no write fails until a restart.
   */
  write<T>(operation: () => Promise<T>): Promise<T>;
}

/** One createTable per table and process; a failed create is forgotten, so the next call tries again. */
export function createTableOnce(tableClient: Pick<TableClient, 'createTable'>): TableOnce {
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> =>
    (ready ??= tableClient.createTable().then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    ));
  const recreate = (seen: Promise<void>): Promise<void> => {
    if (ready === seen) ready = undefined;
    return ensure();
  };
  return {
    ensure,
    recreate,
    async write(operation) {
      const seen = ensure();
      await seen;
      try {
        return await operation();
      } catch (error) {
        if (!isTableMissing(error)) throw error;
        await recreate(seen);
        return operation();
      }
    },
  };
}

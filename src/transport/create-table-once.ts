import type { TableClient } from '@azure/data-tables';

export interface TableOnce {
  /** Creates the table on the first call (409 TableAlreadyExists is success to the SDK); later calls share that. */
  ensure(): Promise<void>;
  /**
   * The table was deleted while the app runs (a call failed with TableNotFound after `seen`):
   * create it again, once for every caller that saw it missing, instead of failing until a restart.
   */
  recreate(seen: Promise<void>): Promise<void>;
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
  return {
    ensure,
    recreate(seen) {
      if (ready === seen) ready = undefined;
      return ensure();
    },
  };
}

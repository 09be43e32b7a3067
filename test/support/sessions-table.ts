import { TableClient } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { randomUUID } from 'node:crypto';

/** A fresh table on the given Azurite, with a counter of the HTTP requests sent through it. */
export async function freshSessionsTable(connectionString: string): Promise<{ tableClient: TableClient; requests: () => number }> {
  const tableClient = TableClient.fromConnectionString(connectionString, `sessions${randomUUID().replaceAll('-', '').slice(0, 12)}`, {
    allowInsecureConnection: true,
  });
  await tableClient.createTable();
  let count = 0;
  const counter: PipelinePolicy = {
    name: 'count-requests',
    sendRequest: (request, next) => {
      count++;
      return next(request);
    },
  };
  tableClient.pipeline.addPolicy(counter);
  return { tableClient, requests: () => count };
}

import { TableClient } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { randomUUID } from 'node:crypto';

/** One HTTP request a TableClient sent: `read` (GET an entity), `write` (POST / PUT / MERGE / DELETE), `table` (create / delete the table). */
export interface TableRequest {
  method: string;
  kind: 'read' | 'write' | 'query' | 'table';
  status: number | undefined;
}

/** A fresh table on the given Azurite, with a counter and a log of the HTTP requests sent through it. */
export async function freshSessionsTable(
  connectionString: string,
): Promise<{ tableClient: TableClient; requests: () => number; log: TableRequest[] }> {
  const tableName = `sessions${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const tableClient = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  await tableClient.createTable();
  return { tableClient, ...countRequests(tableClient) };
}

/** Adds a pipeline policy to the client that logs every request it sends from now on. */
export function countRequests(tableClient: TableClient): { requests: () => number; log: TableRequest[] } {
  const log: TableRequest[] = [];
  const counter: PipelinePolicy = {
    name: 'count-requests',
    sendRequest: async (request, next) => {
      const path = new URL(request.url).pathname;
      // The SDK sends MERGE as POST with X-HTTP-Method: MERGE.
      const method = request.headers.get('x-http-method') ?? request.method;
      const kind = /\/Tables(\(|$)/.test(path) ? 'table' : method === 'GET' ? (/\(PartitionKey=/.test(path) ? 'read' : 'query') : 'write';
      const entry: TableRequest = { method, kind, status: undefined };
      log.push(entry);
      try {
        const response = await next(request);
        entry.status = response.status;
        return response;
      } catch (error) {
        entry.status = (error as { statusCode?: number }).statusCode;
        throw error;
      }
    },
  };
  tableClient.pipeline.addPolicy(counter);
  return { requests: () => log.length, log };
}

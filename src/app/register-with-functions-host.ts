// @azure/functions is CommonJS: under Node ESM only its default export is reliable.
import azureFunctions from '@azure/functions';
import type { FunctionDefinition } from '../functions-model/function-definitions.js';

type FunctionsApp = Pick<typeof azureFunctions.app, 'http' | 'serviceBusQueue' | 'timer'>;

/** Hands each definition to the Azure Functions host, with the options the host reads. */
export function registerWithFunctionsHost(definitions: readonly FunctionDefinition[], host: FunctionsApp = azureFunctions.app): void {
  for (const definition of definitions) {
    switch (definition.kind) {
      case 'http':
        host.http(definition.name, {
          route: definition.route,
          methods: definition.methods,
          authLevel: definition.authLevel,
          handler: definition.handler,
        });
        break;
      case 'serviceBusQueue':
        host.serviceBusQueue(definition.name, {
          connection: definition.connection,
          queueName: definition.queueName,
          isSessionsEnabled: definition.isSessionsEnabled,
          cardinality: definition.cardinality,
          handler: definition.handler,
        });
        break;
      case 'timer':
        host.timer(definition.name, {
          schedule: definition.schedule,
          runOnStartup: definition.runOnStartup,
          handler: definition.handler,
        });
        break;
    }
  }
}

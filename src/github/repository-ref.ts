import type { JsonObject, RepositoryRef } from './event-refs.js';
import { integerField, nameField, objectField } from './json-fields.js';

/**
 * The repository an event belongs to, or null for account-level events (installation,
 * organization, membership, marketplace_purchase, sponsorship, …). Session keys are built
 * from `fullName`, exactly as GitHub spells it in `repository.full_name`.
 */
export function repositoryOf(payload: JsonObject): RepositoryRef | null {
  const repository = objectField(payload, 'repository');
  if (repository === undefined) return null;
  const name = nameField(repository, 'name');
  const id = integerField(repository, 'id');
  const fullName = nameField(repository, 'full_name');
  const owner = nameField(objectField(repository, 'owner'), 'login') ?? ownerFromFullName(fullName);
  if (name === undefined || id === undefined || owner === undefined) return null;
  return { owner, name, fullName: fullName ?? `${owner}/${name}`, id };
}

function ownerFromFullName(fullName: string | undefined): string | undefined {
  const slash = fullName?.indexOf('/') ?? -1;
  return slash > 0 ? fullName!.slice(0, slash) : undefined;
}

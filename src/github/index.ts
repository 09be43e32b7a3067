export { extractEntity, type EntityRef } from './extract-entity.js';
export { repositoryOf } from './repository-ref.js';
export { senderOf } from './sender-ref.js';
export { installationIdOf } from './installation-id.js';
export { occurredAtOf } from './occurred-at.js';
export { isJsonObject } from './json-fields.js';

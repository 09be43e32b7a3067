/**
 * What the router reads out of a GitHub webhook payload: the entity it is about, its repository
 * and sender, and the payload as a JSON object. The envelope (src/envelope/event-envelope.ts)
 * carries these; they live here, with the code that extracts them, so github/ is a leaf.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */

/**
 * What an event is about. `repository` = a repository-level event with no narrower entity;
 * `none` = an event with no repository at all (installation, organization, …).
 */
export type EntityType = 'pull_request' | 'issue' | 'branch' | 'tag' | 'release' | 'discussion' | 'repository' | 'none';

export interface RepositoryRef {
  owner: string;
  name: string;
  fullName: string;
  id: number;
}

export interface SenderRef {
  login: string;
  id: number;
  type: string;
}

export type JsonObject = { [key: string]: unknown };

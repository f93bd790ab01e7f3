// undici's request path alone: the Agent and `request`, from the files undici's own index loads.
// The index (`from 'undici'`) would also load fetch, WebSocket, EventSource, the cache and the
// mocks, with the Node built-ins beneath them: about 30 ms of start-up before the first request
// to Retab, for nothing this client uses (bench/RESULTS.md, "Start-up"). They are the same
// files, so dist/ still holds one copy of undici. undici is pinned (package.json): a release that
// moves these files fails the build and the tests, not a user's workflow.
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import requestImpl from 'undici/lib/api/api-request.js';
import type { Agent, Dispatcher } from 'undici';

export type { Dispatcher };

export function createAgent(options: Agent.Options): Dispatcher {
  return new AgentImpl(options);
}

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'>;

/** undici's `request(url, { dispatcher, ... })`, for a dispatcher of ours. */
export function request(
  dispatcher: Dispatcher,
  url: URL,
  options: RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return requestImpl.call(dispatcher, {
    ...options,
    origin: url.origin,
    path: url.pathname + url.search,
  });
}

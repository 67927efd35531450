// As in the bundle (scripts/bundle.mjs): @actions/http-client imports undici only for getAgentDispatcher(), a proxy
// dispatcher for fetch() users that the action never calls. Loading the real undici costs each test file ~0.5 s.
export class ProxyAgent {
  constructor() {
    throw new Error('undici is stubbed in tests: HttpClient.getAgentDispatcher() is unavailable')
  }
}

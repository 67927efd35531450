import { ApiError } from '../core/errors.js'

/** The words every refusal message is built from. */
export interface RefusalWords {
  /** `HTTP 404 Not Found on GET /connections/abc`. */
  http: string
  /** ` Fivetran said: "…".` when the provider gave a message, else ''. */
  said: string
}

/**
 * Turns a provider's HTTP refusal into a message that says what was refused and what to do. `advise` gives the
 * provider's own wording for a status it knows, or undefined to keep the error as it is.
 */
export function explainRefusal(
  error: unknown,
  providerTitle: string,
  advise: (error: ApiError, words: RefusalWords) => string | undefined
): unknown {
  if (!(error instanceof ApiError) || error.kind !== 'http') return error
  const words: RefusalWords = {
    http: `HTTP ${error.status} ${error.reason} on ${error.request}`,
    said: error.providerMessage ? ` ${providerTitle} said: "${error.providerMessage}".` : ''
  }
  const message = advise(error, words)
  return message === undefined ? error : new Error(message, { cause: error })
}

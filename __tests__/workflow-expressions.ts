// The GitHub expressions the repository's own workflows use (`${{ ... }}` and `if:`), evaluated by GitHub's own
// library (@actions/expressions), so that self-test.yml can be run step by step against the local emulator. The job
// status functions (always, success, failure, cancelled) depend on the run, so they are given here.
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import type { FunctionDefinition } from '@actions/expressions/funcs/info'
import { truthy } from '@actions/expressions/result'

/** The contexts (`env`, `steps`, ...) as plain values; `__jobFailed` says whether an earlier step failed the job. */
export type Context = Record<string, unknown>

/** The contexts a step's expressions may name on GitHub; those a test leaves out are empty. */
const CONTEXTS = ['github', 'env', 'vars', 'job', 'jobs', 'steps', 'runner', 'secrets', 'strategy', 'matrix', 'needs', 'inputs']

function statusFunctions(ctx: Context): FunctionDefinition[] {
  const fn = (name: string, value: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value())
  })
  return [
    fn('always', () => true),
    fn('success', () => ctx.__jobFailed !== true),
    fn('failure', () => ctx.__jobFailed === true),
    fn('cancelled', () => false)
  ]
}

function evaluateData(source: string, ctx: Context): data.ExpressionData {
  const contexts: Context = Object.fromEntries(CONTEXTS.map((name) => [name, {}]))
  for (const [name, value] of Object.entries(ctx)) if (!name.startsWith('__')) contexts[name] = value
  const lexed = new Lexer(source).lex()
  const functions = statusFunctions(ctx)
  const expr = new Parser(lexed.tokens, Object.keys(contexts), functions).parse()
  const values = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary
  return new Evaluator(expr, values, new Map(functions.map((f) => [f.name, f]))).evaluate()
}

/** Evaluates one expression (the inside of `${{ }}`, or an `if:`), as a plain value. */
export function evaluate(source: string, ctx: Context): unknown {
  return JSON.parse(JSON.stringify(evaluateData(source, ctx), data.replacer)) as unknown
}

/** Whether an `if:` holds; as on GitHub, a condition without a status function also needs the job not to have failed. */
export function condition(source: string | undefined, ctx: Context): boolean {
  if (source === undefined) return ctx.__jobFailed !== true
  const expression = source.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
  const usesStatus = /\b(always|success|failure|cancelled)\(/.test(expression)
  return truthy(evaluateData(expression, ctx)) && (usesStatus || ctx.__jobFailed !== true)
}

/** Replaces every `${{ ... }}` in a string. */
export function substitute(value: string, ctx: Context): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expression: string) => evaluateData(expression, ctx).coerceString())
}

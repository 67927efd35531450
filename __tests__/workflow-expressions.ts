// A small evaluator for the GitHub expressions the repository's own workflows use (`${{ ... }}` and `if:`), so that
// self-test.yml can be run step by step against the local emulator: property paths, string literals, == != ! && ||,
// parentheses, and the functions startsWith, endsWith, contains, always, success, failure.

export type Context = Record<string, unknown>

type Token = { kind: 'str' | 'num' | 'id' | 'op'; text: string }

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i]
    if (/\s/.test(c)) {
      i++
    } else if (c === "'") {
      let j = i + 1
      let text = ''
      for (;;) {
        if (j >= source.length) throw new Error(`unterminated string in ${source}`)
        if (source[j] === "'" && source[j + 1] === "'") {
          text += "'"
          j += 2
        } else if (source[j] === "'") break
        else text += source[j++]
      }
      tokens.push({ kind: 'str', text })
      i = j + 1
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(source.slice(i)) as RegExpExecArray
      tokens.push({ kind: 'num', text: m[0] })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(source.slice(i)) as RegExpExecArray
      tokens.push({ kind: 'id', text: m[0] })
      i += m[0].length
    } else {
      const two = source.slice(i, i + 2)
      if (['==', '!=', '&&', '||'].includes(two)) {
        tokens.push({ kind: 'op', text: two })
        i += 2
      } else if ('!(),'.includes(c)) {
        tokens.push({ kind: 'op', text: c })
        i++
      } else throw new Error(`unexpected "${c}" in ${source}`)
    }
  }
  return tokens
}

const FUNCTIONS: Record<string, (ctx: Context, ...args: unknown[]) => unknown> = {
  startsWith: (_c, a, b) => text(a).toLowerCase().startsWith(text(b).toLowerCase()),
  endsWith: (_c, a, b) => text(a).toLowerCase().endsWith(text(b).toLowerCase()),
  contains: (_c, a, b) => text(a).toLowerCase().includes(text(b).toLowerCase()),
  always: () => true,
  success: (c) => c.__jobFailed !== true,
  failure: (c) => c.__jobFailed === true
}

function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  return String(value)
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0
}

function lookup(ctx: Context, path: string): unknown {
  let value: unknown = ctx
  for (const part of path.split('.')) {
    if (value === undefined || value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** Evaluates one expression (the inside of `${{ }}`, or an `if:`). */
export function evaluate(source: string, ctx: Context): unknown {
  const tokens = tokenize(source)
  let pos = 0
  const peek = () => tokens[pos]
  const take = (op?: string) => {
    const t = tokens[pos++]
    if (!t || (op !== undefined && t.text !== op)) throw new Error(`expected ${op ?? 'more'} in ${source}`)
    return t
  }
  function primary(): unknown {
    const t = take()
    if (t.kind === 'str') return t.text
    if (t.kind === 'num') return Number(t.text)
    if (t.kind === 'op' && t.text === '(') {
      const v = or()
      take(')')
      return v
    }
    if (t.kind === 'op' && t.text === '!') return !truthy(primary())
    if (t.kind === 'id') {
      if (t.text === 'true') return true
      if (t.text === 'false') return false
      if (t.text === 'null') return null
      if (peek()?.text === '(') {
        take('(')
        const args: unknown[] = []
        while (peek()?.text !== ')') {
          args.push(or())
          if (peek()?.text === ',') take(',')
        }
        take(')')
        const fn = FUNCTIONS[t.text]
        if (!fn) throw new Error(`unknown function ${t.text} in ${source}`)
        return fn(ctx, ...args)
      }
      return lookup(ctx, t.text)
    }
    throw new Error(`unexpected ${t.text} in ${source}`)
  }
  function comparison(): unknown {
    const left = primary()
    const op = peek()
    if (op?.text === '==' || op?.text === '!=') {
      take()
      const right = primary()
      const equal =
        typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : text(left) === text(right)
      return op.text === '==' ? equal : !equal
    }
    return left
  }
  function and(): unknown {
    let v = comparison()
    while (peek()?.text === '&&') {
      take()
      const r = comparison()
      v = truthy(v) ? r : v
    }
    return v
  }
  function or(): unknown {
    let v = and()
    while (peek()?.text === '||') {
      take()
      const r = and()
      v = truthy(v) ? v : r
    }
    return v
  }
  const value = or()
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos].text} in ${source}`)
  return value
}

/** Whether an `if:` holds; as on GitHub, a condition without a status function also needs the job not to have failed. */
export function condition(source: string | undefined, ctx: Context): boolean {
  if (source === undefined) return ctx.__jobFailed !== true
  const expression = source.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
  const usesStatus = /\b(always|success|failure|cancelled)\(/.test(expression)
  return truthy(evaluate(expression, ctx)) && (usesStatus || ctx.__jobFailed !== true)
}

/** Replaces every `${{ ... }}` in a string. */
export function substitute(value: string, ctx: Context): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expression: string) => text(evaluate(expression, ctx)))
}

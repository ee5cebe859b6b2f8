/*
 * Just enough of Cloudflare's rules language to answer "does this expression match a request for
 * this path?": path comparisons (eq, ne, contains, matches, in), starts_with / ends_with, the path's
 * extension, and/or/not, parentheses, true/false. Anything else evaluates to `undefined` (unknown),
 * and the three-valued logic carries it, so a caller can treat "might match" conservatively.
 */

type Verdict = boolean | undefined;

const TOKEN = /\s*(\(|\)|\{|\}|,|&&|\|\||!=|==|!|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.]*|\S)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (TOKEN.lastIndex < expression.length && (match = TOKEN.exec(expression))) tokens.push(match[1]);
  return tokens;
}

function fieldValue(field: string, path: string): string | undefined {
  if (field === 'http.request.uri.path') return path;
  if (field === 'http.request.uri.path.extension') {
    const last = path.slice(path.lastIndexOf('/') + 1);
    return last.includes('.') ? last.slice(last.lastIndexOf('.') + 1).toLowerCase() : '';
  }
  return undefined;
}

function unquote(token: string): string {
  return JSON.parse(token) as string;
}

function and(a: Verdict, b: Verdict): Verdict {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : undefined;
}

function or(a: Verdict, b: Verdict): Verdict {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : undefined;
}

/** Whether `expression` matches a request for `path`; undefined when it cannot tell. */
export function matchesPath(expression: string, path: string): Verdict {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];

  function parseOr(): Verdict {
    let verdict = parseAnd();
    while (peek() === 'or' || peek() === '||') {
      next();
      verdict = or(verdict, parseAnd());
    }
    return verdict;
  }
  function parseAnd(): Verdict {
    let verdict = parseNot();
    while (peek() === 'and' || peek() === '&&') {
      next();
      verdict = and(verdict, parseNot());
    }
    return verdict;
  }
  function parseNot(): Verdict {
    if (peek() === 'not' || peek() === '!') {
      next();
      const inner = parseNot();
      return inner === undefined ? undefined : !inner;
    }
    return parsePrimary();
  }
  function parsePrimary(): Verdict {
    const token = next();
    if (token === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new Error('unbalanced parentheses');
      return inner;
    }
    if (token === 'true') return true;
    if (token === 'false') return false;
    if ((token === 'starts_with' || token === 'ends_with') && peek() === '(') {
      next();
      const field = next();
      if (next() !== ',') throw new Error(`${token} expects two arguments`);
      const argument = unquote(next());
      if (next() !== ')') throw new Error(`${token} expects two arguments`);
      const value = fieldValue(field, path);
      if (value === undefined) return undefined;
      return token === 'starts_with' ? value.startsWith(argument) : value.endsWith(argument);
    }
    if (token === undefined) throw new Error('unexpected end of expression');
    // A comparison: field operator value.
    const value = fieldValue(token, path);
    const operator = next();
    if (operator === 'in') {
      if (next() !== '{') throw new Error('in expects a {set}');
      const set: string[] = [];
      while (peek() !== '}' && peek() !== undefined) set.push(unquote(next()));
      next();
      return value === undefined ? undefined : set.includes(value);
    }
    const operand = next();
    const literal = operand?.startsWith('"') ? unquote(operand) : undefined;
    if (value === undefined || literal === undefined) return undefined;
    switch (operator) {
      case 'eq': case '==': return value === literal;
      case 'ne': case '!=': return value !== literal;
      case 'contains': return value.includes(literal);
      case 'matches': case '~': return new RegExp(literal).test(value);
      default: return undefined;
    }
  }

  try {
    const verdict = parseOr();
    return i === tokens.length ? verdict : undefined;
  } catch {
    return undefined;
  }
}

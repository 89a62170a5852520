import {
  badRequest,
  FhirFilterComparison,
  FhirFilterConnective,
  type FhirFilterExpression,
  FhirFilterNegation,
  OperationOutcomeError,
  type Operator,
} from '@medplum/core';

/**
 * `_filter` (FHIR R4 search, section 3.1.3) parsed into @medplum/core's expression classes. Ours
 * because @medplum/core's parser refuses four of the spec's operators (ew, po, ss, sb), reads
 * `a and b or c` as `a and (b or c)`, and takes only lower-case keywords. Here `and` binds tighter
 * than `or`, keywords are case-insensitive, and a path may filter along the way
 * (`subject[family eq x].name co y`, a FilteredPathComparison).
 */

// The spec's comparison operators, as the search compiler's operator names.
const OPERATORS: Record<string, string> = {
  eq: 'exact',
  ne: 'ne',
  co: 'contains',
  sw: 'sw',
  ew: 'ew',
  gt: 'gt',
  lt: 'lt',
  ge: 'ge',
  le: 'le',
  ap: 'ap',
  sa: 'sa',
  eb: 'eb',
  pr: 'present',
  po: 'po',
  ss: 'above',
  sb: 'below',
  in: 'in',
  ni: 'not-in',
  re: 'eq',
};

interface Token {
  kind: 'word' | 'string' | '(' | ')' | '[' | ']';
  text: string;
  at: number;
}

const fail = (message: string): never => {
  throw new OperationOutcomeError(badRequest(`_filter: ${message}`, '_filter'));
};

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if ('()[]'.includes(c)) {
      tokens.push({ kind: c as Token['kind'], text: c, at: i++ });
    } else if (c === '"') {
      // A JSON string: backslash escapes, ended by an unescaped quote.
      const m = /^"(?:[^"\\]|\\.)*"/.exec(input.slice(i));
      if (!m) fail(`unterminated string at position ${i + 1}`);
      const raw = (m as RegExpExecArray)[0];
      let text = '';
      try {
        text = JSON.parse(raw) as string;
      } catch {
        fail(`invalid string at position ${i + 1}`);
      }
      tokens.push({ kind: 'string', text, at: i });
      i += raw.length;
    } else {
      const m = /^[^\s()[\]]+/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): FhirFilterExpression {
    if (!this.tokens.length) fail('empty expression');
    const e = this.or();
    const extra = this.peek();
    if (extra) fail(`unexpected "${extra.text}" at position ${extra.at + 1}`);
    return e;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos++];
    if (!t) fail(`expected ${what} at the end`);
    return t as Token;
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.kind === 'word' && t.text.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  private or(): FhirFilterExpression {
    let left = this.and();
    while (this.keyword('or')) left = new FhirFilterConnective('or', left, this.and());
    return left;
  }

  private and(): FhirFilterExpression {
    let left = this.unary();
    while (this.keyword('and')) left = new FhirFilterConnective('and', left, this.unary());
    return left;
  }

  private unary(): FhirFilterExpression {
    const t = this.peek();
    const negated = t?.kind === 'word' && t.text.toLowerCase() === 'not' && this.tokens[this.pos + 1]?.kind === '(';
    if (negated) this.pos++;
    if (this.peek()?.kind === '(') {
      this.pos++;
      const inner = this.or();
      const close = this.next('")"');
      if (close.kind !== ')') fail(`expected ")" at position ${close.at + 1}`);
      return negated ? new FhirFilterNegation(inner) : inner;
    }
    return this.comparison();
  }

  private comparison(): FhirFilterComparison {
    const path = this.next('a search parameter');
    if (path.kind !== 'word') fail(`expected a search parameter at position ${path.at + 1}`);
    // paramPath: name ("[" filter "]")? ("." paramPath)?; each bracket narrows the resources the
    // path has reached so far.
    const links: FilterLink[] = [];
    let tail = path.text;
    while (this.peek()?.kind === '[') {
      const open = this.next('"["');
      const filter = this.or();
      const close = this.next('"]"');
      if (close.kind !== ']') fail(`expected "]" at position ${close.at + 1}`);
      if (!tail) fail(`a filter needs a parameter before it at position ${open.at + 1}`);
      links.push({ path: tail, filter });
      const after = this.peek();
      if (after?.kind === 'word' && after.text.startsWith('.') && after.text.length > 1) {
        this.pos++;
        tail = after.text.slice(1);
      } else tail = '';
    }
    const op = this.next('an operator');
    const operator = op.kind === 'word' ? OPERATORS[op.text.toLowerCase()] : undefined;
    if (!operator) fail(`unknown operator "${op.text}" at position ${op.at + 1}`);
    const value = this.next('a value');
    if (value.kind !== 'word' && value.kind !== 'string') fail(`expected a value at position ${value.at + 1}`);
    if (links.length) return new FilteredPathComparison(links, tail, operator as Operator, value.text);
    return new FhirFilterComparison(path.text, operator as Operator, value.text);
  }
}

/** One step of a filtered path: the (possibly chained) reference parameter and the filter its targets must meet. */
export interface FilterLink {
  path: string;
  filter: FhirFilterExpression;
}

/**
 * A comparison whose path filters along the way (`subject[gender eq female].name co "pat"`): the
 * links in order, then the rest of the path (empty when the comparison is on the last link itself,
 * as in `subject[name eq x] pr true`).
 */
export class FilteredPathComparison extends FhirFilterComparison {
  readonly links: FilterLink[];
  readonly tail: string;
  constructor(links: FilterLink[], tail: string, operator: Operator, value: string) {
    super(`${links.map((l) => `${l.path}[...]`).join('.')}${tail ? `.${tail}` : ''}`, operator, value);
    this.links = links;
    this.tail = tail;
  }
}

export function parseFilter(input: string): FhirFilterExpression {
  return new Parser(tokenize(input)).parse();
}

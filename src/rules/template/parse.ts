/**
 * The parser of Go's text/template (parse/parse.go, go1.19 semantics plus Go 1.23's
 * `{{else with}}`), ported function by function so that errors carry Go's wording:
 * `function "foo" not defined`, `undefined variable "$x"`, `unexpected {{end}}`,
 * `unexpected <else> in input`, `missing value for command`, and so on.
 */
import { Lexer, itemString, type Item, type ItemType } from './lex.ts';
import { newNumber } from './number-literal.ts';
import { quote, unquote, UnquoteError } from './strconv.ts';
import {
  nodeString,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
} from './nodes.ts';

/** Tree is one parsed template: the top-level text or a {{define}}/{{block}}. */
export interface Tree {
  name: string;
  root: ListNode;
}

/** ParseError is a template that does not parse: Go's problem text, where, and Go's line. */
export class ParseError extends Error {
  readonly problem: string;
  readonly pos: number;
  readonly line: number;
  constructor(problem: string, pos: number, line: number) {
    super(problem);
    this.problem = problem;
    this.pos = pos;
    this.line = line;
  }
}

interface Scope {
  name: string;
  vars: string[];
  rangeDepth: number;
}

/** MAX_STACK_DEPTH bounds nested parentheses: Go allows 10000 (1000 on wasm); a JavaScript stack holds about 1000. */
const MAX_STACK_DEPTH = 1000;

/**
 * parseTemplate parses `text` named `name` into a set of trees: the top-level template under
 * `name` plus every {{define}} and {{block}}. `hasFunction` answers whether a function exists
 * (Go checks functions at parse time).
 */
export function parseTemplate(text: string, name: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const p = new Parser(text, name, hasFunction);
  p.parse();
  return p.treeSet;
}

class Parser {
  readonly treeSet = new Map<string, Tree>();
  private readonly lex: Lexer;
  private readonly token: Item[];
  private peekCount = 0;
  private scope: Scope;
  private actionLine = 0;
  private actionStart = 0;
  private stackDepth = 0;
  private readonly parseName: string;
  private readonly hasFunction: (name: string) => boolean;

  constructor(text: string, name: string, hasFunction: (name: string) => boolean) {
    this.lex = new Lexer(text);
    const eof: Item = { typ: 'eof', pos: 0, val: '', line: 1 };
    this.token = [eof, eof, eof];
    this.scope = { name, vars: ['$'], rangeDepth: 0 };
    this.parseName = name;
    this.hasFunction = hasFunction;
  }

  // --- token stream ---

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount] as Item;
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1] as Item;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  private nextNonSpace(): Item {
    for (;;) {
      const t = this.next();
      if (t.typ !== 'space') return t;
    }
  }

  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors ---

  private errorf(msg: string, pos?: number): never {
    const t0 = this.token[0] as Item;
    throw new ParseError(msg, pos ?? t0.pos, t0.line);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(a: ItemType, b: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== a && token.typ !== b) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      const pos = token.val === 'unclosed action' || token.val === 'unclosed left paren' ? this.actionStart : token.pos;
      this.errorf(`${itemString(token)}${extra}`, pos);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`, token.pos);
  }

  // --- trees ---

  private add(tree: Tree): void {
    const existing = this.treeSet.get(tree.name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${quote(tree.name)}`);
  }

  private withScope<R>(name: string, fn: () => R): R {
    const saved = this.scope;
    this.scope = { name, vars: ['$'], rangeDepth: 0 };
    try {
      return fn();
    } finally {
      this.scope = saved;
    }
  }

  parse(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().typ === 'define') {
          this.actionStart = delim.pos;
          this.withScope('definition', () => this.parseDefinition());
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`, this.actionStart);
      root.nodes.push(n);
    }
    this.add({ name: this.parseName, root });
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf('string', 'rawString', context);
    this.scope.name = this.unquoteOrFail(name.val);
    this.expect('rightDelim', context);
    const { list, next } = this.itemList();
    if (next.type !== 'end') this.errorf(`unexpected ${nodeString(next)} in ${context}`);
    this.add({ name: this.scope.name, root: list });
  }

  private unquoteOrFail(text: string): string {
    try {
      return unquote(text);
    } catch (e) {
      if (e instanceof UnquoteError) this.errorf(e.message);
      throw e;
    }
  }

  private itemList(): { list: ListNode; next: Node } {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, next: n };
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        this.actionStart = token.pos;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case 'comment':
        return { type: 'comment', pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'block':
        return this.blockControl();
      case 'break':
        return this.loopControl('break', token);
      case 'continue':
        return this.loopControl('continue', token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
        return this.branchControl('if');
      case 'range':
        return this.branchControl('range');
      case 'template':
        return this.templateControl();
      case 'with':
        return this.branchControl('with');
    }
    this.backup();
    const t = this.peek();
    return { type: 'action', pos: t.pos, line: t.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(kind: 'break' | 'continue', token: Item): Node {
    const next = this.nextNonSpace();
    if (next.typ !== 'rightDelim') this.unexpected(next, `{{${kind}}}`);
    if (this.scope.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: token.pos, line: token.line };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === 'assign' || next.typ === 'declare') {
        pipe.isAssign = next.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.scope.vars.push(v.val);
      } else if (next.typ === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.scope.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === 'space') this.backup3(v, tokenAfterVariable);
      else this.backup2(v);
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`, pipe.pos);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0] as ArgNode;
      if (first.type === 'bool' || first.type === 'dot' || first.type === 'nil' || first.type === 'number' || first.type === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`, c.pos);
      }
    });
  }

  private parseControl(context: 'if' | 'range' | 'with'): Omit<BranchNode, 'type'> {
    const mark = this.scope.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.scope.rangeDepth++;
      let { list, next } = this.itemList();
      if (context === 'range') this.scope.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        // {{else if}} and {{else with}} nest the rest of the chain in the else branch; one {{end}} closes all.
        if (context === 'if' && this.peek().typ === 'if') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branchControl('if')] };
        } else if (context === 'with' && this.peek().typ === 'with') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branchControl('with')] };
        } else {
          ({ list: elseList, next } = this.itemList());
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.scope.vars.length = mark;
    }
  }

  private branchControl(kind: 'if' | 'range' | 'with'): BranchNode {
    return { type: kind, ...this.parseControl(kind) };
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === 'if' || peek.typ === 'with') return { type: 'else', pos: peek.pos, line: peek.line };
    const token = this.expect('rightDelim', 'else');
    return { type: 'else', pos: token.pos, line: token.line };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    this.withScope(name, () => {
      const { list, next } = this.itemList();
      if (next.type !== 'end') this.errorf(`unexpected ${nodeString(next)} in ${context}`);
      this.add({ name, root: list });
    });
    return { type: 'template', pos: token.pos, line: token.line, name, pipe } satisfies TemplateNode;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.typ === 'string' || token.typ === 'rawString') return this.unquoteOrFail(token.val);
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === 'space') continue;
      if (token.typ === 'rightDelim' || token.typ === 'rightParen') this.backup();
      else if (token.typ !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    let node = this.term();
    if (node === null) return null;
    if (this.peek().typ === 'field') {
      const chain: ChainNode = { type: 'chain', pos: this.peek().pos, node, field: [] };
      while (this.peek().typ === 'field') chain.field.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos: chain.pos, ident: nodeString(chain).slice(1).split('.') };
          break;
        case 'variable':
          node = newVariable(chain.pos, nodeString(chain));
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
          break;
        default:
          node = chain;
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'identifier':
        if (!this.hasFunction(token.val)) this.errorf(`function ${quote(token.val)} not defined`, token.pos);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        return this.useVar(token.pos, token.val);
      case 'field':
        return { type: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number': {
        const n = newNumber(token.pos, token.val, token.typ);
        if (typeof n === 'string') this.errorf(n, token.pos);
        return n;
      }
      case 'leftParen': {
        if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', 'rightParen');
        } finally {
          this.stackDepth--;
        }
      }
      case 'string':
      case 'rawString':
        return { type: 'string', pos: token.pos, quoted: token.val, text: this.unquoteOrFail(token.val) };
    }
    this.backup();
    return null;
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = newVariable(pos, name);
    if (this.scope.vars.includes(v.ident[0] as string)) return v;
    this.errorf(`undefined variable ${quote(v.ident[0] as string)}`, pos);
  }
}

function newVariable(pos: number, ident: string): VariableNode {
  return { type: 'variable', pos, ident: ident.split('.') };
}

/** isEmptyTree is parse.IsEmptyTree: only space and comments. */
function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  switch (n.type) {
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    default:
      return false;
  }
}

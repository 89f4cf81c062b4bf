/**
 * The executor of Go's text/template (exec.go, go1.19 semantics with the `missingkey=zero` option
 * Prometheus sets), ported function by function: how fields, maps, variables, pipelines, function
 * arguments and the final pipeline value are evaluated, converted and checked, and the exact
 * errors when they are not what Go accepts.
 */
import { sprint, sprintf } from './fmt.ts';
import { GoError, type CallContext, type GoFunc } from './func.ts';
import { methodOf } from './methods.ts';
import { nodeString, type ArgNode, type BranchNode, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type ListNode, type Node, type NumberNode, type PipeNode, type TemplateNode, type VariableNode } from './nodes.ts';
import type { Tree } from './parse.ts';
import {
  INVALID,
  T,
  assignableTo,
  canBeNil,
  indirect,
  isTrue,
  sortedKeys,
  zeroOf,
  type GoType,
  type GoValue,
} from './values.ts';

/** ExecError is a failed execution: Go's message, the node being evaluated and the template running. */
export class ExecError extends Error {
  readonly problem: string;
  readonly node: Node | null;
  readonly templateName: string;
  constructor(problem: string, node: Node | null, templateName: string) {
    super(problem);
    this.problem = problem;
    this.node = node;
    this.templateName = templateName;
  }
}

/** MAX_EXEC_DEPTH bounds nested {{template}} calls (Go allows 100000; a JavaScript stack does not). */
const MAX_EXEC_DEPTH = 1000;

/** MISSING is Go's missingVal: "no final value from a previous pipeline stage". Never escapes. */
const MISSING: GoValue = { k: 'invalid' };

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Variable {
  name: string;
  value: GoValue;
}

/** Environment is what an execution needs beyond the trees: functions and the context they see. */
export interface Environment {
  funcs: ReadonlyMap<string, GoFunc>;
  trees: ReadonlyMap<string, Tree>;
  context: Omit<CallContext, 'executeTemplate'>;
  /** formatError renders an ExecError as Go's error text (for `tmpl`, which returns it as an error). */
  formatError(e: ExecError): string;
}

/** execute runs the named tree with `data` as dot and returns the output. Throws ExecError. */
export function execute(env: Environment, name: string, data: GoValue): string {
  const tree = env.trees.get(name);
  const state: State = new State(env, name, [{ name: '$', value: data }], 0);
  if (!tree) state.errorf(`${JSON.stringify(name)} is an incomplete or empty template`);
  state.walk(data, tree.root);
  return state.out;
}

function isHexInt(s: string): boolean {
  return s.length > 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && !/[pP]/.test(s);
}

class State {
  out = '';
  private node: Node | null = null;
  private readonly env: Environment;
  private readonly tmplName: string;
  private vars: Variable[];
  private readonly depth: number;
  private readonly callContext: CallContext;

  constructor(env: Environment, tmplName: string, vars: Variable[], depth: number) {
    this.env = env;
    this.tmplName = tmplName;
    this.vars = vars;
    this.depth = depth;
    this.callContext = {
      ...env.context,
      executeTemplate: (n, dot) => {
        if (this.depth + 1 >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
        const tree = this.env.trees.get(n);
        if (!tree) throw new GoError(`template: no template ${JSON.stringify(n)} associated with template ${JSON.stringify(this.tmplName)}`);
        const sub = new State(this.env, n, [{ name: '$', value: dot }], this.depth + 1);
        try {
          sub.walk(dot, tree.root);
        } catch (e) {
          if (e instanceof ExecError) throw new GoError(this.env.formatError(e));
          throw e;
        }
        return sub.out;
      },
    };
  }

  // --- variables ---

  private mark(): number {
    return this.vars.length;
  }

  private pop(mark: number): void {
    this.vars.length = mark;
  }

  private push(name: string, value: GoValue): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: GoValue): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- errors ---

  private at(node: Node): void {
    this.node = node;
  }

  errorf(msg: string): never {
    throw new ExecError(msg, this.node, this.tmplName);
  }

  // --- walking ---

  walk(dot: GoValue, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node, dot);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out += node.text;
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(node: BranchNode, dot: GoValue): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const { truth, ok } = isTrue(val);
      if (!ok) this.errorf(`if/with can't use ${sprintf('%v', [val])}`);
      if (truth) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: GoValue, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = indirect(this.evalPipeline(dot, r.pipe)).v;
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: GoValue, elem: GoValue): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0] as string, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0] as string, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      let ran = false;
      switch (val.k) {
        case 'slice':
          for (let i = 0; i < (val.v?.length ?? 0); i++) {
            ran = true;
            oneIteration({ k: 'int', t: T.int, v: BigInt(i) }, (val.v as GoValue[])[i] as GoValue);
          }
          break;
        case 'map':
          if (val.v !== null) {
            for (const key of sortedKeys(val.v)) {
              ran = true;
              oneIteration({ k: 'string', t: T.string, v: key }, val.v.get(key) as GoValue);
            }
          }
          break;
        case 'int':
        case 'uint':
          // Go 1.22: range over an integer counts from 0.
          if (decl.length > 1) this.errorf(`can't use ${sprintf('%v', [val])} to iterate over more than one variable`);
          for (let i = 0n; i < val.v; i++) {
            ran = true;
            const v: GoValue = { k: val.k, t: val.t, v: i };
            oneIteration(v, v);
          }
          break;
        case 'invalid':
          break;
        default:
          this.errorf(`range can't iterate over ${sprintf('%v', [val])}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: GoValue, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.trees.get(t.name);
    if (!tree) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth + 1 >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const sub = new State(this.env, t.name, [{ name: '$', value: newDot }], this.depth + 1);
    sub.walk(newDot, tree.root);
    this.out += sub.out;
  }

  // --- evaluation ---

  private evalPipeline(dot: GoValue, pipe: PipeNode | null): GoValue {
    if (pipe === null) return INVALID;
    this.at(pipe);
    let value = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result is dug down to "no value".
      if (value.k === 'iface') value = INVALID;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] as string, value);
      else this.push(v.ident[0] as string, value);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: GoValue): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: GoValue): GoValue {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return { k: 'bool', t: T.bool, v: first.value };
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
        break;
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return { k: 'string', t: T.string, v: first.text };
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private idealConstant(c: NumberNode): GoValue {
    this.at(c);
    if (c.isComplex) return { k: 'complex', t: T.complex128, re: c.complex.re, im: c.complex.im };
    if (c.isFloat && !isHexInt(c.text) && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return { k: 'float', t: T.float64, v: c.float64 };
    if (c.isInt) return { k: 'int', t: T.int, v: c.int64 };
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return INVALID;
  }

  private evalFieldNode(dot: GoValue, field: FieldNode, args: readonly ArgNode[], final: GoValue): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, chain: ChainNode, args: readonly ArgNode[] | null, final: GoValue): GoValue {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: GoValue, variable: VariableNode, args: readonly ArgNode[] | null, final: GoValue): GoValue {
    this.at(variable);
    const value = this.varValue(variable.ident[0] as string);
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: Node, ident: readonly string[], args: readonly ArgNode[] | null, final: GoValue): GoValue {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i] as string, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1] as string, node, args, final, receiver);
  }

  private evalFunction(dot: GoValue, node: IdentifierNode, cmd: Node, args: readonly ArgNode[] | null, final: GoValue): GoValue {
    this.at(node);
    const fn = this.env.funcs.get(node.ident);
    if (!fn) this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.ident, args, final);
  }

  private evalField(dot: GoValue, fieldName: string, node: Node, args: readonly ArgNode[] | null, final: GoValue, receiver: GoValue): GoValue {
    if (receiver.k === 'invalid') return INVALID;
    const typ = receiver.t;
    const { v: recv, isNil } = indirect(receiver);
    if (recv.k === 'iface' && isNil) this.errorf(`nil pointer evaluating ${typ.name}.${fieldName}`);
    const method = isNil ? undefined : methodOf(recv, fieldName) ?? methodOf(receiver, fieldName);
    if (method) return this.evalCall(dot, method, node, fieldName, args, final);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    switch (recv.k) {
      case 'struct': {
        const field = recv.v.get(fieldName);
        if (field !== undefined) {
          if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
          return field;
        }
        break;
      }
      case 'map': {
        if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
        const result = recv.v?.get(fieldName);
        // missingkey=zero, as Prometheus sets: the zero value of the element type.
        return result ?? zeroOf(recv.t.elem as GoType);
      }
      case 'ptr': {
        const elem = recv.t.elem as GoType;
        if (elem.kind === 'struct' && !(elem.fields ?? []).some((f) => f.name === fieldName)) break;
        if (isNil) this.errorf(`nil pointer evaluating ${typ.name}.${fieldName}`);
        break;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ.name}`);
  }

  private evalCall(dot: GoValue, fn: GoFunc, node: Node, name: string, argNodes: readonly ArgNode[] | null, final: GoValue): GoValue {
    const args = argNodes === null ? [] : argNodes.slice(1);
    const numParams = fn.params.length + (fn.variadic ? 1 : 0);
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== numParams) this.errorf(`wrong number of args for ${name}: want ${numParams} got ${numIn}`);

    if (fn.shortCircuit) {
      const argType = T.reflectValue;
      let v: GoValue = INVALID;
      for (const arg of args) {
        v = this.evalArg(dot, argType, arg);
        if (isTrue(v).truth === (fn.shortCircuit === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, argType);
      return v;
    }

    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i] as GoType, args[i] as ArgNode));
    if (fn.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i] as ArgNode));
    if (final !== MISSING) {
      let t: GoType;
      if (fn.variadic) t = numIn - 1 < numFixed ? (fn.params[numIn - 1] as GoType) : fn.variadic;
      else t = fn.params[fn.params.length - 1] as GoType;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.call(argv, this.callContext);
    } catch (e) {
      if (e instanceof GoError) {
        this.at(node);
        this.errorf(`error calling ${name}: ${e.message}`);
      }
      throw e;
    }
  }

  /** validateType checks a computed value against a parameter type (null: untyped), converting as Go does. */
  private validateType(value: GoValue, typ: GoType | null): GoValue {
    if (value.k === 'invalid') {
      if (typ === null) return INVALID;
      if (typ === T.reflectValue) return INVALID;
      if (canBeNil(typ)) return zeroOf(typ);
      this.errorf(`invalid value; expected ${typ.name}`);
    }
    if (typ === null || typ === T.reflectValue) return value;
    if (!assignableTo(value.t, typ)) {
      if (value.k === 'ptr' && assignableTo(value.t.elem as GoType, typ)) {
        if (value.v === null) this.errorf(`dereference of nil pointer of type ${typ.name}`);
        return value.v;
      }
      this.errorf(`wrong type for value; expected ${typ.name}; got ${value.t.name}`);
    }
    return value;
  }

  private evalArg(dot: GoValue, typ: GoType | null, n: ArgNode): GoValue {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ !== null && canBeNil(typ)) return typ === T.reflectValue ? INVALID : zeroOf(typ);
        this.errorf(`cannot assign nil to ${typ?.name ?? '<nil>'}`);
        break;
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    if (typ === null) this.errorf(`can't handle ${nodeString(n)} for arg of type <nil>`);
    if (typ === T.reflectValue || typ.kind === 'interface') return this.evalEmptyInterface(dot, n);
    switch (typ.kind) {
      case 'bool':
        if (n.type === 'bool') return { k: 'bool', t: typ, v: n.value };
        this.errorf(`expected bool; found ${nodeString(n)}`);
        break;
      case 'complex128':
        if (n.type === 'number' && n.isComplex) return { k: 'complex', t: typ, re: n.complex.re, im: n.complex.im };
        this.errorf(`expected complex; found ${nodeString(n)}`);
        break;
      case 'float64':
        if (n.type === 'number' && n.isFloat) return { k: 'float', t: typ, v: n.float64 };
        this.errorf(`expected float; found ${nodeString(n)}`);
        break;
      case 'int':
      case 'int32':
      case 'int64':
        if (n.type === 'number' && n.isInt) return { k: 'int', t: typ, v: n.int64 };
        this.errorf(`expected integer; found ${nodeString(n)}`);
        break;
      case 'string':
        if (n.type === 'string') return { k: 'string', t: typ, v: n.text };
        this.errorf(`expected string; found ${nodeString(n)}`);
        break;
      case 'uint':
      case 'uint8':
      case 'uint64':
        if (n.type === 'number' && n.isUint) return { k: 'uint', t: typ, v: n.uint64 };
        this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
        break;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ.name}`);
  }

  private evalEmptyInterface(dot: GoValue, n: ArgNode): GoValue {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return { k: 'bool', t: T.bool, v: n.value };
      case 'dot':
        return dot;
      case 'field':
        return this.evalFieldNode(dot, n, [n], MISSING);
      case 'identifier':
        return this.evalFunction(dot, n, n, null, MISSING);
      case 'nil':
        this.errorf("evalEmptyInterface: nil (can't happen)");
        break;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return { k: 'string', t: T.string, v: n.text };
      case 'variable':
        return this.evalVariableNode(dot, n, null, MISSING);
      case 'pipe':
        return this.evalPipeline(dot, n);
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(n: Node, v: GoValue): void {
    this.at(n);
    if (v.k === 'ptr') v = indirect(v).v;
    if (v.k === 'invalid') {
      this.out += '<no value>';
      return;
    }
    this.out += sprint([v]);
  }
}

/** ListNode re-exported for callers that walk trees. */
export type { ListNode };

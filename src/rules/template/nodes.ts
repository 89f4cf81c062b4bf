/**
 * The parse tree of Go's text/template (parse/node.go), with Go's String() rendering of each node:
 * execution errors quote it (`at <humanize "abc">`).
 */
import { quote } from './strconv.ts';

/** NumberValue is what a number literal can be, as Go's NumberNode records it. */
export interface NumberValue {
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  complex: { re: number; im: number };
}

interface Base {
  /** Index of the node's start in the full template text. */
  pos: number;
}

/** TextNode is plain text between actions. */
export interface TextNode extends Base {
  type: 'text';
  text: string;
}
/** CommentNode is a comment action (only kept when Go is asked to keep comments; never here). */
export interface CommentNode extends Base {
  type: 'comment';
  text: string;
}
/** PipeNode is a pipeline, with the variables it declares or assigns. */
export interface PipeNode extends Base {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
/** ActionNode is {{pipeline}}: its value is printed unless it declares variables. */
export interface ActionNode extends Base {
  type: 'action';
  line: number;
  pipe: PipeNode;
}
/** CommandNode is one stage of a pipeline: an operand and its arguments. */
export interface CommandNode extends Base {
  type: 'command';
  args: ArgNode[];
}
/** IdentifierNode is a function name. */
export interface IdentifierNode extends Base {
  type: 'identifier';
  ident: string;
}
/** VariableNode is $x or $x.Field.Chain. */
export interface VariableNode extends Base {
  type: 'variable';
  ident: string[];
}
/** DotNode is the cursor, `.`. */
export interface DotNode extends Base {
  type: 'dot';
}
/** NilNode is the untyped nil. */
export interface NilNode extends Base {
  type: 'nil';
}
/** FieldNode is .Field.Chain on dot. */
export interface FieldNode extends Base {
  type: 'field';
  ident: string[];
}
/** ChainNode is (pipeline).Field.Chain. */
export interface ChainNode extends Base {
  type: 'chain';
  node: ArgNode;
  field: string[];
}
/** BoolNode is true or false. */
export interface BoolNode extends Base {
  type: 'bool';
  value: boolean;
}
/** NumberNode is a number literal, classified as Go classifies untyped constants. */
export interface NumberNode extends Base, NumberValue {
  type: 'number';
  text: string;
}
/** StringNode is a quoted or raw string literal. */
export interface StringNode extends Base {
  type: 'string';
  quoted: string;
  text: string;
}
/** ListNode is a sequence of nodes. */
export interface ListNode extends Base {
  type: 'list';
  nodes: Node[];
}
/** BranchNode is {{if}}, {{range}} or {{with}}, with an optional {{else}}. */
export interface BranchNode extends Base {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
/** TemplateNode is {{template "name" pipeline}} (and what {{block}} becomes). */
export interface TemplateNode extends Base {
  type: 'template';
  line: number;
  name: string;
  pipe: PipeNode | null;
}
/** BreakNode is {{break}} inside {{range}}. */
export interface BreakNode extends Base {
  type: 'break';
  line: number;
}
/** ContinueNode is {{continue}} inside {{range}}. */
export interface ContinueNode extends Base {
  type: 'continue';
  line: number;
}
/** EndNode and ElseNode exist only while parsing. */
export interface EndNode extends Base {
  type: 'end';
}
/** ElseNode: see EndNode. */
export interface ElseNode extends Base {
  type: 'else';
  line: number;
}

/** ArgNode is what a command's argument can be. */
export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** Node is any parse-tree node. */
export type Node =
  | ArgNode
  | TextNode
  | CommentNode
  | ActionNode
  | CommandNode
  | ListNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | EndNode
  | ElseNode;

function pipeString(p: PipeNode): string {
  let s = '';
  if (p.decl.length > 0) s += `${p.decl.map(nodeString).join(', ')} := `;
  return s + p.cmds.map(nodeString).join(' | ');
}

/** nodeString is Go's Node.String(). */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'comment':
      return `{{${n.text}}}`;
    case 'pipe':
      return pipeString(n);
    case 'action':
      return `{{${pipeString(n.pipe)}}}`;
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${pipeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((id) => `.${id}`).join('');
    case 'chain': {
      const head = n.node.type === 'pipe' ? `(${pipeString(n.node)})` : nodeString(n.node);
      return head + n.field.map((f) => `.${f}`).join('');
    }
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${n.type} ${pipeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += `{{else}}${nodeString(n.elseList)}`;
      return `${s}{{end}}`;
    }
    case 'template':
      return n.pipe ? `{{template ${quote(n.name)} ${pipeString(n.pipe)}}}` : `{{template ${quote(n.name)}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
  }
}

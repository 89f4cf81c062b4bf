/**
 * RE2 (Go regexp) syntax translated to JavaScript regular expressions, for label matchers and
 * label_replace. Prometheus anchors every regexp: `^(?:re)$` in 2.x, `^(?s:re)$` in 3.x (where `.`
 * also matches a newline). What RE2 refuses (backreferences, lookaround) is refused here too, so
 * a rule that loads here loads in Prometheus; what JavaScript cannot express (`(?U)`, `\C`) is
 * refused with a clear message.
 */

/** RegexSyntaxError is a regexp RE2 (or this translation) does not accept. */
export class RegexSyntaxError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const PERL_CLASSES: Record<string, string> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};

const SIMPLE_ESCAPES: Record<string, string> = { a: '\\x07', f: '\\f', t: '\\t', n: '\\n', r: '\\r', v: '\\v' };

function hexEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A literal code point as a pattern atom that is safe inside and outside a class in `v` mode. */
function literal(ch: string): string {
  return /[A-Za-z0-9_ ]/.test(ch) ? ch : hexEscape(ch.codePointAt(0) as number);
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/**
 * translateRE2 returns a JavaScript pattern (for the `v` flag) equivalent to the RE2 pattern `re`
 * with the given initial dot-all flag. Throws RegexSyntaxError for what RE2 or JS cannot do.
 */
export function translateRE2(re: string, dotAll: boolean): string {
  let pos = 0;
  const cps = Array.from(re);

  const fail = (msg: string): never => {
    throw new RegexSyntaxError(`error parsing regexp: ${msg}`);
  };

  // parseEscape handles a backslash escape (pos is after the backslash). `single` tells whether
  // the atom is one code point, so that it may bound a class range.
  const parseEscape = (inClass: boolean): { atom: string; single?: boolean } => {
    const c = cps[pos++];
    if (c === undefined) return fail('trailing backslash at end of expression: ``');
    if (SIMPLE_ESCAPES[c]) return { atom: SIMPLE_ESCAPES[c] as string, single: true };
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl !== undefined) return { atom: `[${c === c.toLowerCase() ? '' : '^'}${perl}]` };
    if (c === 'p' || c === 'P') {
      let name: string;
      if (cps[pos] === '{') {
        const end = cps.indexOf('}', pos);
        if (end < 0) return fail(`invalid character class range: \`${re}\``);
        name = cps.slice(pos + 1, end).join('');
        pos = end + 1;
      } else {
        name = cps[pos++] ?? fail(`invalid character class range: \`${re}\``);
      }
      let neg = c === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      if (name === 'Any') return { atom: neg ? '[^\\s\\S]' : '[\\s\\S]' };
      const prop = name.length <= 2 ? name : `Script=${name}`;
      const atom = `\\${neg ? 'P' : 'p'}{${prop}}`;
      try {
        new RegExp(atom, 'v');
      } catch {
        return fail(`invalid character class range: \`\\${c}{${name}}\``);
      }
      return { atom };
    }
    if (c === 'x') {
      let hex: string;
      if (cps[pos] === '{') {
        const end = cps.indexOf('}', pos);
        if (end < 0) return fail('invalid escape sequence: `\\x{`');
        hex = cps.slice(pos + 1, end).join('');
        pos = end + 1;
      } else {
        hex = cps.slice(pos, pos + 2).join('');
        pos += 2;
      }
      if (!/^[0-9a-fA-F]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) return fail(`invalid escape sequence: \`${re}\``);
      return { atom: hexEscape(parseInt(hex, 16)), single: true };
    }
    if (c >= '0' && c <= '7') {
      // RE2 has no backreferences: \1-\7 are octal escapes only when more octal digits follow.
      if (c !== '0' && !/[0-7]/.test(cps[pos] ?? '')) return fail(`invalid escape sequence: \`\\${c}\``);
      let oct = c;
      while (oct.length < 3 && /[0-7]/.test(cps[pos] ?? '')) oct += cps[pos++];
      return { atom: hexEscape(parseInt(oct, 8)), single: true };
    }
    if (!inClass) {
      if (c === 'A') return { atom: '(?<![\\s\\S])' };
      if (c === 'z') return { atom: '(?![\\s\\S])' };
      if (c === 'b') return { atom: '\\b' };
      if (c === 'B') return { atom: '\\B' };
      if (c === 'Q') {
        let lit = '';
        while (pos < cps.length) {
          if (cps[pos] === '\\' && cps[pos + 1] === 'E') {
            pos += 2;
            break;
          }
          lit += literal(cps[pos++] as string);
        }
        return { atom: `(?:${lit})` };
      }
    }
    if (/[!-/:-@[-`{-~]/.test(c)) return { atom: literal(c), single: true };
    return fail(`invalid escape sequence: \`\\${c}\``);
  };

  const parseClass = (): string => {
    // pos is just after '['. Items become members of a `v`-mode class: single code points,
    // ranges, and nested classes (which is how negated Perl and POSIX classes fit inside).
    let negate = false;
    if (cps[pos] === '^') {
      negate = true;
      pos++;
    }
    let body = '';
    let first = true;
    while (true) {
      const c = cps[pos];
      if (c === undefined) return fail(`missing closing ]: \`${re}\``);
      if (c === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === '[' && cps[pos + 1] === ':') {
        const end = cps.indexOf(']', pos);
        const m = /^\[:(\^?)([a-z]+):\]$/.exec(cps.slice(pos, end + 1).join(''));
        if (!m || POSIX_CLASSES[m[2] as string] === undefined) return fail(`invalid character class range: \`${re}\``);
        pos = end + 1;
        body += `[${m[1] ? '^' : ''}${POSIX_CLASSES[m[2] as string]}]`;
        continue;
      }
      pos++;
      let lo: string;
      let single: boolean;
      if (c === '\\') {
        const esc = parseEscape(true);
        lo = esc.atom;
        single = esc.single === true;
      } else {
        lo = literal(c);
        single = true;
      }
      if (single && cps[pos] === '-' && cps[pos + 1] !== undefined && cps[pos + 1] !== ']') {
        pos++;
        const hc = cps[pos++] as string;
        let hi: string;
        if (hc === '\\') {
          const esc = parseEscape(true);
          if (esc.single !== true) return fail(`invalid character class range: \`${re}\``);
          hi = esc.atom;
        } else {
          hi = literal(hc);
        }
        body += `${lo}-${hi}`;
      } else {
        body += lo;
      }
    }
    const out = `[${negate ? '^' : ''}${body}]`;
    try {
      new RegExp(out, 'v');
    } catch {
      return fail(`invalid character class range: \`${re}\``);
    }
    return out;
  };

  // parseSeq parses until ')' or end; returns the translated sequence.
  const parseSeq = (flags: Flags, depth: number): string => {
    let out = '';
    let lastWasAtom = false;
    while (pos < cps.length) {
      const c = cps[pos] as string;
      if (c === ')') {
        if (depth === 0) return fail('unexpected ): `' + re + '`');
        return out;
      }
      pos++;
      switch (c) {
        case '\\': {
          out += parseEscape(false).atom;
          lastWasAtom = true;
          break;
        }
        case '[':
          out += parseClass();
          lastWasAtom = true;
          break;
        case '.':
          out += flags.s ? '[\\s\\S]' : '[^\\n]';
          lastWasAtom = true;
          break;
        case '^':
          out += flags.m ? '(?<=^|\\n)' : '(?<![\\s\\S])';
          lastWasAtom = false;
          break;
        case '$':
          out += flags.m ? '(?=$|\\n)' : '(?![\\s\\S])';
          lastWasAtom = false;
          break;
        case '|':
          out += '|';
          lastWasAtom = false;
          break;
        case '*':
        case '+':
        case '?': {
          if (!lastWasAtom) return fail(`missing argument to repetition operator: \`${c}\``);
          out += c;
          if (cps[pos] === '?') {
            out += '?';
            pos++;
          }
          if (cps[pos] === '*' || cps[pos] === '+' || cps[pos] === '?') return fail(`invalid nested repetition operator: \`${c}${cps[pos]}\``);
          lastWasAtom = false;
          break;
        }
        case '{': {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(pos - 1, pos + 24).join(''));
          if (!m) {
            out += literal('{');
            lastWasAtom = true;
            break;
          }
          if (!lastWasAtom) return fail(`missing argument to repetition operator: \`${m[0]}\``);
          const min = Number(m[1]);
          const max = m[3] === undefined || m[3] === '' ? min : Number(m[3]);
          if (min > 1000 || max > 1000 || (m[3] !== undefined && m[3] !== '' && max < min)) {
            return fail(`invalid repeat count: \`${m[0]}\``);
          }
          pos += m[0].length - 1;
          out += m[0];
          if (cps[pos] === '?') {
            out += '?';
            pos++;
          }
          lastWasAtom = false;
          break;
        }
        case '(': {
          if (cps[pos] === '?') {
            pos++;
            const rest = cps.slice(pos, pos + 64).join('');
            const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
            if (named) {
              pos += named[0].length;
              const inner = parseSeq({ ...flags }, depth + 1);
              expectClose();
              out += `(?<${named[1]}>${inner})`;
              lastWasAtom = true;
              break;
            }
            const fm = /^([imsU]*(?:-[imsU]*)?)([:)])/.exec(rest);
            if (!fm || (fm[1] as string).endsWith('-') || (fm[1] === '' && fm[2] === ')')) {
              return fail(`invalid or unsupported Perl syntax: \`(?${rest.slice(0, 1)}\``);
            }
            const spec = fm[1] as string;
            if (spec.includes('U')) return fail('the ungreedy flag (?U) is not supported by this engine');
            pos += fm[0].length;
            const newFlags = { ...flags };
            let on = true;
            for (const f of spec) {
              if (f === '-') on = false;
              else newFlags[f as 'i' | 'm' | 's'] = on;
            }
            if (fm[2] === ')') {
              // Flags apply to the rest of the current group.
              const inner = parseSeq(newFlags, depth);
              out += wrapFlags(flags, newFlags, inner);
              return out;
            }
            const inner = parseSeq(newFlags, depth + 1);
            expectClose();
            out += `(?:${wrapFlags(flags, newFlags, inner)})`;
            lastWasAtom = true;
            break;
          }
          const inner = parseSeq({ ...flags }, depth + 1);
          expectClose();
          out += `(${inner})`;
          lastWasAtom = true;
          break;
        }
        default:
          out += literal(c);
          lastWasAtom = true;
      }
    }
    if (depth > 0) return fail(`missing closing ): \`${re}\``);
    return out;
  };

  const expectClose = (): void => {
    if (cps[pos] !== ')') fail(`missing closing ): \`${re}\``);
    pos++;
  };

  const flags: Flags = { i: false, m: false, s: dotAll };
  const body = parseSeq(flags, 0);
  return body;
}

function wrapFlags(outer: Flags, inner: Flags, body: string): string {
  // Only i changes how JS matches literal text; s and m were applied while translating.
  if (outer.i === inner.i) return body;
  return inner.i ? `(?i:${body})` : `(?-i:${body})`;
}

/** compileAnchored compiles an RE2 pattern as Prometheus does: fully anchored. */
export function compileAnchored(re: string, dotAll: boolean): RegExp {
  const body = translateRE2(re, dotAll);
  return new RegExp(`^(?:${body})$`, 'v');
}

/**
 * A small Dockerfile reader for the image tests: instructions with their continuation lines joined
 * and comments dropped, grouped into build stages. Enough to lint the repository's Dockerfile; not a
 * full BuildKit parser (no heredocs, no escape directive).
 */

/** Instruction is one Dockerfile instruction: upper-cased keyword and its raw arguments. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Stage is one `FROM` and the instructions under it. */
export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** parseDockerfile splits `text` into global ARGs and build stages. */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      line = line.trimEnd().slice(0, -1);
      i++;
      if (!/^\s*#/.test(lines[i]!)) line += ` ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot read ${JSON.stringify(line)}`);
    const instruction = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [k, v] = instruction.args.split('=');
      args.set(k!, v ?? '');
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    } else {
      throw new Error(`Dockerfile:${start + 1}: ${instruction.keyword} before the first FROM`);
    }
  }
  return { args, stages };
}

/** resolveImage expands `${NAME}` from the global ARGs in a stage's base image. */
export function resolveImage(image: string, args: Map<string, string>): string {
  return image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? '');
}

/** execForm parses an exec-form (JSON array) argument such as `["node", "x"]`; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed = JSON.parse(args) as unknown;
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

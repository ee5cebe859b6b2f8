/**
 * A Dockerfile read the way BuildKit reads it, for the instructions the image check reproduces:
 * parser directives, comments, `\` continuations, exec (JSON) and shell forms, `FROM ... AS name`,
 * and `ARG`s declared before the first FROM, substituted into FROM (BuildKit's global build args).
 * Anything the check cannot reproduce faithfully is an error naming the line, never skipped.
 */
import * as fs from 'node:fs';

export interface Instruction {
  /** Upper-cased keyword, e.g. `COPY`. */
  readonly keyword: string;
  /** `--from=build` style flags, by name. */
  readonly flags: Record<string, string>;
  /** Arguments: the JSON array of the exec form, or the shell form's whitespace-separated words. */
  readonly args: string[];
  /** The shell form's text after the flags (what `/bin/sh -c` gets for RUN). */
  readonly text: string;
  /** True when the arguments were a JSON array (exec form). */
  readonly execForm: boolean;
  /** 1-based line of the keyword, for messages. */
  readonly line: number;
}

export interface Stage {
  /**
   * The image reference after FROM, build args substituted. A digest given by a build arg that has
   * no value here stays `@${NAME}`: the build must be given it (scripts/ci-build-images.sh resolves it).
   */
  readonly base: string;
  /** The `AS` name, or the stage's index as a string. */
  readonly name: string;
  readonly instructions: Instruction[];
  readonly line: number;
}

export interface Dockerfile {
  readonly path: string;
  readonly stages: Stage[];
}

/** Instructions the check reproduces; LABEL and EXPOSE change nothing it runs; ARG only before FROM. */
const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'CMD', 'ENTRYPOINT', 'LABEL', 'EXPOSE']);

export class DockerfileError extends Error {}

export function readDockerfile(file: string, buildArgs: Record<string, string> = {}): Dockerfile {
  return parseDockerfile(fs.readFileSync(file, 'utf8'), file, buildArgs);
}

/** `buildArgs` are `--build-arg` values; they override the defaults of the ARGs before the first FROM. */
export function parseDockerfile(text: string, file: string, buildArgs: Record<string, string> = {}): Dockerfile {
  const lines = text.split('\n');
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | undefined>();
  let i = 0;
  // Parser directives (`# syntax=...`) are comments to this reader.
  while (i < lines.length) {
    const start = i;
    let logical = '';
    // Join continuation lines; comment lines inside a continuation are dropped, as BuildKit does.
    for (;;) {
      const raw = lines[i++] ?? '';
      if (logical !== '' && /^\s*#/.test(raw)) continue;
      if (/\\\s*$/.test(raw) && i < lines.length) {
        logical += raw.replace(/\\\s*$/, ' ');
        continue;
      }
      logical += raw;
      break;
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const instruction = parseInstruction(trimmed, start + 1, file);
    if (instruction.keyword === 'ARG') {
      // ARG inside a stage would need scoping the check does not reproduce; none of ours needs one.
      if (stages.length > 0) throw new DockerfileError(`${file}:${start + 1}: ARG after FROM is not reproduced by the image check; declare it before the first FROM`);
      const arg = /^([A-Za-z_]\w*)(?:=(\S*))?$/.exec(instruction.text.trim());
      if (!arg) throw new DockerfileError(`${file}:${start + 1}: ARG must be "ARG <NAME>[=<default>]" (got "${trimmed}")`);
      globalArgs.set(arg[1], buildArgs[arg[1]] ?? arg[2]);
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const [raw, as, name, ...rest] = instruction.args;
      const base = raw === undefined ? undefined : substituteArgs(raw, globalArgs, `${file}:${start + 1}`);
      if (base === undefined || (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined || rest.length > 0))) {
        throw new DockerfileError(`${file}:${start + 1}: FROM must be "FROM <image> [AS <name>]" (got "${trimmed}")`);
      }
      stages.push({ base, name: name ?? String(stages.length), instructions: [], line: start + 1 });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new DockerfileError(`${file}:${start + 1}: ${instruction.keyword} before the first FROM`);
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileError(`${file}: no FROM instruction`);
  return { path: file, stages };
}

/**
 * `$NAME` / `${NAME}` in a FROM, as BuildKit expands them from the global ARGs. A variable without a
 * value is an error, except a whole digest (`@${NAME}`): that one the build is given.
 */
function substituteArgs(reference: string, args: Map<string, string | undefined>, where: string): string {
  if (/\$\{\w+:[-+?]/.test(reference)) throw new DockerfileError(`${where}: FROM ${reference}: \${NAME:-...} forms are not reproduced by the image check; use ARG defaults`);
  return reference.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined, offset: number) => {
    const name = (braced ?? bare)!;
    if (!args.has(name)) throw new DockerfileError(`${where}: FROM ${reference} uses ${name}, which no ARG before the first FROM declares`);
    const value = args.get(name);
    if (value !== undefined && value !== '') return value;
    const wholeDigest = reference[offset - 1] === '@' && offset + whole.length === reference.length;
    if (wholeDigest) return `\${${name}}`;
    throw new DockerfileError(`${where}: FROM ${reference}: ${name} has no value; give the ARG a default or pass --build-arg ${name}=...`);
  });
}

function parseInstruction(text: string, line: number, file: string): Instruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text)!;
  const keyword = match[1].toUpperCase();
  if (!KNOWN.has(keyword)) {
    throw new DockerfileError(`${file}:${line}: ${keyword} is not reproduced by the image check (scripts/images); teach scripts/images/build.ts what it does`);
  }
  let rest = match[2];
  const flags: Record<string, string> = {};
  for (let flag = /^--([\w-]+)=(\S+)\s*/.exec(rest); flag; flag = /^--([\w-]+)=(\S+)\s*/.exec(rest)) {
    flags[flag[1]] = flag[2];
    rest = rest.slice(flag[0].length);
  }
  if (rest.startsWith('[')) {
    let args: unknown;
    try {
      args = JSON.parse(rest);
    } catch {
      throw new DockerfileError(`${file}:${line}: ${keyword}'s exec form must be a JSON array of strings (got ${rest})`);
    }
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw new DockerfileError(`${file}:${line}: ${keyword}'s exec form must be a JSON array of strings (got ${rest})`);
    }
    return { keyword, flags, args, text: rest, execForm: true, line };
  }
  return { keyword, flags, args: rest.split(/\s+/).filter(Boolean), text: rest, execForm: false, line };
}

/** `ENV a=1 b="two words"` or the legacy `ENV a 1`, as a map. */
export function envOf(instruction: Instruction, file: string): Record<string, string> {
  const text = instruction.text;
  if (!/^[\w.-]+=/.test(text)) {
    const [, key, value] = /^(\S+)\s+(.*)$/s.exec(text) ?? [];
    if (key === undefined) throw new DockerfileError(`${file}:${instruction.line}: ENV needs a value (got "${text}")`);
    return { [key]: value };
  }
  const env: Record<string, string> = {};
  const pair = /([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/gy;
  let at = 0;
  for (let m = pair.exec(text); m; m = pair.exec(text)) {
    const raw = m[2];
    env[m[1]] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw;
    at = pair.lastIndex;
  }
  if (at !== text.length) throw new DockerfileError(`${file}:${instruction.line}: cannot read ENV "${text}" as key=value pairs`);
  return env;
}

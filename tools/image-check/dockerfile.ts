/**
 * A Dockerfile read the way BuildKit reads it, for the instructions the image check reproduces:
 * parser directives, comments, `\` continuations, exec (JSON) and shell forms, `FROM ... AS name`,
 * and build arguments with Docker's scoping: an `ARG` before the first FROM is global and reaches
 * only the FROM lines; inside a stage an `ARG` is in scope from its line to the stage's end (without
 * a default it takes the global's value), and a `--build-arg` overrides either default. In scope,
 * ARGs and ENVs (ENV wins) are substituted into COPY, WORKDIR, ENV, USER, LABEL and EXPOSE; RUN gets
 * the ARGs in its environment (its shell expands them); exec-form CMD and ENTRYPOINT take none.
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
  /** ENV, once substituted (expandStage): the variables it sets. */
  readonly env?: Record<string, string>;
  /** RUN, once substituted (expandStage): the build args in scope, which BuildKit puts in its environment. */
  readonly buildArgs?: Record<string, string>;
}

export interface Stage {
  /**
   * The image reference after FROM, build args substituted. A digest given by a build arg that has
   * no value here stays `@${NAME}`: the build must be given it (ci/build-images.sh resolves it).
   */
  readonly base: string;
  /** The `AS` name, or the stage's index as a string. */
  readonly name: string;
  /** As written, ARG declarations included: expandStage resolves them. */
  readonly instructions: Instruction[];
  readonly line: number;
}

export interface Dockerfile {
  readonly path: string;
  readonly stages: Stage[];
  /** The ARGs before the first FROM, with their values (a `--build-arg` over the default). */
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  /** The `--build-arg` values the build is given. */
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** Instructions the check reproduces; LABEL and EXPOSE change nothing it runs. */
const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'CMD', 'ENTRYPOINT', 'LABEL', 'EXPOSE']);
/** Instructions whose words BuildKit substitutes variables into (of those the check knows). */
const SUBSTITUTED = new Set(['COPY', 'WORKDIR', 'ENV', 'USER', 'LABEL', 'EXPOSE']);

export class DockerfileError extends Error {}

export function readDockerfile(file: string, buildArgs: Record<string, string> = {}): Dockerfile {
  return parseDockerfile(fs.readFileSync(file, 'utf8'), file, buildArgs);
}

/** `buildArgs` are `--build-arg` values; they override the defaults of the ARGs that declare them. */
export function parseDockerfile(text: string, file: string, buildArgs: Record<string, string> = {}): Dockerfile {
  const lines = text.split('\n');
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | undefined>();
  let i = 0;
  // Parser directives (`# syntax=...`) are comments to this reader.
  while (i < lines.length) {
    const start = i;
    let logical = '';
    // Join continuation lines; comment lines inside a continuation are dropped, as BuildKit does, and
    // a comment line is never a continuation, even one ending in `\`.
    for (;;) {
      const raw = lines[i++] ?? '';
      if (/^\s*#/.test(raw)) {
        if (logical !== '') continue;
        logical = raw;
        break;
      }
      if (/\\\s*$/.test(raw) && i < lines.length) {
        logical += raw.replace(/\\\s*$/, ' ');
        continue;
      }
      logical += raw;
      break;
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const where = `${file}:${start + 1}`;
    const instruction = parseInstruction(trimmed, start + 1, file);
    if (instruction.keyword === 'ARG') {
      const { name, default: value } = argDeclaration(instruction, where);
      if (stages.length > 0) {
        stages.at(-1)!.instructions.push(instruction);
        continue;
      }
      const scope: Scope = { values: globalArgs, globals: globalArgs, stage: false, where, what: `ARG ${name}` };
      globalArgs.set(name, buildArgs[name] ?? (value === undefined ? undefined : substitute(value, scope)));
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const [raw, as, name, ...rest] = instruction.args;
      const base = raw === undefined ? undefined : substitute(raw, { values: globalArgs, globals: globalArgs, stage: false, where, what: `FROM ${raw}`, digestMayWait: true });
      if (base === undefined || (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined || rest.length > 0))) {
        throw new DockerfileError(`${where}: FROM must be "FROM <image> [AS <name>]" (got "${trimmed}")`);
      }
      stages.push({ base, name: name ?? String(stages.length), instructions: [], line: start + 1 });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new DockerfileError(`${where}: ${instruction.keyword} before the first FROM`);
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileError(`${file}: no FROM instruction`);
  return { path: file, stages, globalArgs, buildArgs };
}

/**
 * A stage's instructions as BuildKit runs them: its ARGs resolved in scope (and dropped), variables
 * substituted where BuildKit substitutes them, each ENV's variables read, each RUN given the build
 * args in scope. `baseEnv` is the base image's environment, which substitution sees as ENVs.
 */
export function expandStage(dockerfile: Dockerfile, stage: Stage, baseEnv: Record<string, string>): Instruction[] {
  const env = new Map(Object.entries(baseEnv));
  const args = new Map<string, string | undefined>();
  // ENV wins over an ARG of the same name.
  const values = { has: (n: string) => env.has(n) || args.has(n), get: (n: string) => (env.has(n) ? env.get(n) : args.get(n)) };
  const expanded: Instruction[] = [];
  for (const instruction of stage.instructions) {
    const where = `${dockerfile.path}:${instruction.line}`;
    const scope: Scope = { values, globals: dockerfile.globalArgs, earlierStages: argsOfEarlierStages(dockerfile, stage), stage: true, where, what: instruction.keyword };
    const { keyword } = instruction;
    if (keyword === 'ARG') {
      const { name, default: value } = argDeclaration(instruction, where);
      args.set(name, dockerfile.buildArgs[name] ?? (value === undefined ? dockerfile.globalArgs.get(name) : substitute(value, { ...scope, what: `ARG ${name}` })));
      continue;
    }
    if (keyword === 'RUN') {
      // The shell expands them at run time; a global ARG it names is unset there, which is the usual slip.
      for (const name of referencedNames(instruction.text)) {
        if (!values.has(name) && dockerfile.globalArgs.has(name)) throw new DockerfileError(notInStage(where, 'RUN', name));
      }
      const buildArgs = Object.fromEntries([...args].filter((entry): entry is [string, string] => entry[1] !== undefined));
      expanded.push({ ...instruction, buildArgs });
      continue;
    }
    if (keyword === 'CMD' || keyword === 'ENTRYPOINT') {
      const name = instruction.execForm ? referencedNames(instruction.args.join(' '))[0] : undefined;
      if (name !== undefined) {
        throw new DockerfileError(`${where}: ${keyword} ${instruction.text}: the exec form substitutes no variables, so the process would get "$${name}" as written; name the file (or take it from package.json "main" with ".")`);
      }
      expanded.push(instruction);
      continue;
    }
    if (!SUBSTITUTED.has(keyword)) {
      expanded.push(instruction);
      continue;
    }
    if (keyword === 'ENV') {
      const vars = envOf(instruction, dockerfile.path, (value) => substitute(value, { ...scope, what: `ENV ${instruction.text}` }));
      // Every value of one ENV sees the variables as they were before it (BuildKit's rule).
      for (const [name, value] of Object.entries(vars)) env.set(name, value);
      expanded.push({ ...instruction, env: vars });
      continue;
    }
    const flags = Object.fromEntries(Object.entries(instruction.flags).map(([flag, value]) => [flag, substitute(value, { ...scope, what: `${keyword} --${flag}=${value}` })]));
    const what = `${keyword} ${instruction.text}`;
    if (instruction.execForm) {
      const args = instruction.args.map((arg) => substitute(arg, { ...scope, what }));
      expanded.push({ ...instruction, flags, args, text: JSON.stringify(args) });
    } else {
      const text = substitute(instruction.text, { ...scope, what });
      expanded.push({ ...instruction, flags, text, args: text.split(/\s+/).filter(Boolean) });
    }
  }
  return expanded;
}

function argsOfEarlierStages(dockerfile: Dockerfile, stage: Stage): Set<string> {
  const earlier = dockerfile.stages.slice(0, dockerfile.stages.indexOf(stage));
  return new Set(earlier.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ARG').map((i) => argDeclaration(i, `${dockerfile.path}:${i.line}`).name)));
}

function argDeclaration(instruction: Instruction, where: string): { name: string; default?: string } {
  const arg = /^([A-Za-z_]\w*)(?:=(\S*))?$/.exec(instruction.text.trim());
  if (!arg) throw new DockerfileError(`${where}: ARG must be "ARG <NAME>[=<default>]" (got "ARG ${instruction.text}")`);
  return { name: arg[1], default: arg[2] };
}

interface Scope {
  /** The variables in scope: name to value (undefined: declared without one). */
  readonly values: { has(name: string): boolean; get(name: string): string | undefined };
  /** The ARGs before the first FROM, to name the usual slip: using one inside a stage undeclared. */
  readonly globals: ReadonlyMap<string, string | undefined>;
  /** ARGs declared in earlier stages, whose scope ended with them. */
  readonly earlierStages?: ReadonlySet<string>;
  readonly stage: boolean;
  readonly where: string;
  /** The instruction, for messages. */
  readonly what: string;
  /** FROM: a whole digest (`@${NAME}`) without a value stays a build arg; the build is given it. */
  readonly digestMayWait?: boolean;
}

function notInStage(where: string, what: string, name: string): string {
  return `${where}: ${what} uses ${name}, an ARG declared before the first FROM, which only FROM lines see; declare "ARG ${name}" in this stage (without a value it takes the global one)`;
}

/** `$NAME` and `${NAME...}` references in a text, in order. */
function referencedNames(text: string): string[] {
  return [...text.matchAll(/(?<!\\)\$(?:\{(\w+)|([A-Za-z_]\w*))/g)].map((m) => m[1] ?? m[2]);
}

/**
 * `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME:+word}` substituted as BuildKit does (`\$` is a
 * literal `$`, single quotes substitute nothing). Where Docker would quietly put an empty string, a
 * name out of scope or without a value, the check stops, naming it and the fix.
 */
function substitute(text: string, scope: Scope): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (c === '\\' && text[i + 1] === '$' && !quoted) {
      out += '$';
      i++;
      continue;
    }
    if (c !== '$' || quoted) {
      out += c;
      continue;
    }
    const braced = /^\$\{(\w+)(?:(:[-+])([^}]*))?\}/.exec(text.slice(i));
    const bare = braced ? undefined : /^\$([A-Za-z_]\w*)/.exec(text.slice(i));
    const match = braced ?? bare;
    if (!match) {
      if (text[i + 1] === '{') throw new DockerfileError(`${scope.where}: ${scope.what}: only \${NAME}, \${NAME:-word} and \${NAME:+word} are substituted by the image check`);
      out += c;
      continue;
    }
    const [whole, name, operator, word] = match;
    i += whole.length - 1;
    const value = scope.values.has(name) ? scope.values.get(name) : undefined;
    const set = value !== undefined && value !== '';
    if (operator === ':-') {
      out += set ? value : substitute(word, scope);
      continue;
    }
    if (operator === ':+') {
      out += set ? substitute(word, scope) : '';
      continue;
    }
    if (value !== undefined && (value !== '' || !scope.digestMayWait)) {
      out += value;
      continue;
    }
    if (scope.digestMayWait && scope.values.has(name) && out.endsWith('@') && i === text.length - 1) {
      out += `\${${name}}`;
      continue;
    }
    if (scope.values.has(name)) {
      throw new DockerfileError(`${scope.where}: ${scope.what}: ${name} has no value; give the ARG a default or pass --build-arg ${name}=...`);
    }
    if (scope.stage && scope.globals.has(name)) throw new DockerfileError(notInStage(scope.where, scope.what, name));
    if (scope.earlierStages?.has(name)) {
      throw new DockerfileError(`${scope.where}: ${scope.what} uses ${name}, an ARG of an earlier stage, whose scope ended with it; declare "ARG ${name}" in this stage too`);
    }
    throw new DockerfileError(
      scope.stage
        ? `${scope.where}: ${scope.what} uses ${name}, which no ARG or ENV of this stage declares before it (nor its base image)`
        : `${scope.where}: ${scope.what} uses ${name}, which no ARG before the first FROM declares`,
    );
  }
  return out;
}

function parseInstruction(text: string, line: number, file: string): Instruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text)!;
  const keyword = match[1].toUpperCase();
  if (!KNOWN.has(keyword)) {
    throw new DockerfileError(`${file}:${line}: ${keyword} is not reproduced by the image check (tools/image-check); teach tools/image-check/build.ts what it does`);
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

/**
 * `ENV a=1 b="two words"` or the legacy `ENV a 1`, as a map; `substitute` (expandStage's) applies to
 * each value unless it is single-quoted.
 */
export function envOf(instruction: Instruction, file: string, substitute: (value: string) => string = (value) => value.replace(/\\\$/g, '$')): Record<string, string> {
  const text = instruction.text;
  if (!/^[\w.-]+=/.test(text)) {
    const [, key, value] = /^(\S+)\s+(.*)$/s.exec(text) ?? [];
    if (key === undefined) throw new DockerfileError(`${file}:${instruction.line}: ENV needs a value (got "${text}")`);
    return { [key]: substitute(value) };
  }
  const env: Record<string, string> = {};
  const pair = /([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/gy;
  let at = 0;
  for (let m = pair.exec(text); m; m = pair.exec(text)) {
    const raw = m[2];
    env[m[1]] = raw.startsWith("'") ? raw.slice(1, -1) : substitute(raw.startsWith('"') ? raw.slice(1, -1).replace(/\\([^$])/g, '$1') : raw);
    at = pair.lastIndex;
  }
  if (at !== text.length) throw new DockerfileError(`${file}:${instruction.line}: cannot read ENV "${text}" as key=value pairs`);
  return env;
}

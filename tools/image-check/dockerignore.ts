/**
 * The build context a Dockerfile gets: the context directory minus what its ignore file excludes.
 * BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile when it exists, else
 * `.dockerignore` at the context root. Patterns follow Docker's rules: Go filepath.Match per path
 * segment plus `**`, `!` re-includes, the last matching pattern wins, and a pattern that matches a
 * directory excludes everything under it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Rule {
  readonly regex: RegExp;
  readonly include: boolean;
}

export class BuildContext {
  private readonly rules: Rule[];

  constructor(
    readonly dir: string,
    /** The ignore file in use, or undefined when there is none. */
    readonly ignoreFile: string | undefined,
  ) {
    this.rules = ignoreFile ? parseIgnore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  }

  static forDockerfile(contextDir: string, dockerfile: string): BuildContext {
    const beside = `${dockerfile}.dockerignore`;
    const atRoot = path.join(contextDir, '.dockerignore');
    return new BuildContext(contextDir, fs.existsSync(beside) ? beside : fs.existsSync(atRoot) ? atRoot : undefined);
  }

  /** Whether a context-relative path (forward slashes) is sent to the builder. */
  includes(relative: string): boolean {
    const segments = relative.split('/');
    const selfAndParents = segments.map((_, n) => segments.slice(0, n + 1).join('/'));
    // Each pattern applies to the path and to every parent directory; the last pattern that applies wins.
    let included = true;
    for (const rule of this.rules) if (selfAndParents.some((p) => rule.regex.test(p))) included = rule.include;
    return included;
  }

  /**
   * Context files under `relative` (a file or a directory), as context-relative paths; empty when
   * it is missing or excluded. Symbolic links are returned as entries, not followed.
   */
  files(relative: string): string[] {
    const absolute = path.join(this.dir, relative);
    const stat = fs.lstatSync(absolute, { throwIfNoEntry: false });
    if (!stat) return [];
    if (!stat.isDirectory()) return this.includes(relative) ? [relative] : [];
    const found: string[] = [];
    for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
      const child = relative === '.' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) found.push(...this.files(child));
      else if (this.includes(child)) found.push(child);
    }
    return found;
  }
}

function parseIgnore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const include = line.startsWith('!');
    if (include) line = line.slice(1).trim();
    line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    rules.push({ regex: globToRegex(line), include });
  }
  return rules;
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**` matches any number of path segments, including none.
      i++;
      if (glob[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error(`dockerignore pattern "${glob}": unterminated "["`);
      out += `[${glob.slice(i + 1, end).replace(/^\^|^!/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i]);
    else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

const escape = (c: string) => c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');

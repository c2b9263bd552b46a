// Where Claude Code keeps transcripts (usage-accounting.md, "Where the data is")
// and which files under it are transcripts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DiscoveredFile {
  path: string;
  /** the projects/ directory it was found under */
  root: string;
  /** encoded project directory name (first segment under projects/) */
  project: string;
  /** agent id from an `agent-<id>.jsonl` name, else null */
  fileAgentId: string | null;
  /** session id implied by the path (file name, or the folder above subagents/) */
  fileSessionId: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface ConfigDirs {
  /** existing `projects/` directories to scan, de-duplicated */
  projectsDirs: string[];
  /** every place looked at, for the "nothing found" message */
  looked: string[];
}

export interface ResolveOptions {
  /** explicit `--dir` values: replace the defaults when given */
  dirs?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Config dir entries may point at the config dir or straight at its projects/. */
function projectsDirOf(entry: string): string | null {
  const nested = path.join(entry, 'projects');
  if (isDir(nested)) return nested;
  if (path.basename(entry) === 'projects' && isDir(entry)) return entry;
  return null;
}

export function resolveConfigDirs(opts: ResolveOptions = {}): ConfigDirs {
  const env = opts.env ?? process.env;
  const home = opts.home ?? env.HOME ?? os.homedir();
  let entries: string[];
  if (opts.dirs && opts.dirs.length > 0) entries = opts.dirs;
  else if (env.CLAUDE_CONFIG_DIR && env.CLAUDE_CONFIG_DIR.trim() !== '') entries = env.CLAUDE_CONFIG_DIR.split(',');
  else {
    const xdg = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : path.join(home, '.config');
    entries = [path.join(xdg, 'claude'), path.join(home, '.claude')];
  }
  const looked: string[] = [];
  const projectsDirs: string[] = [];
  const seen = new Set<string>();
  for (const raw of entries) {
    const entry = path.resolve(expandHome(raw.trim(), home));
    if (raw.trim() === '') continue;
    looked.push(entry);
    const dir = projectsDirOf(entry);
    if (!dir) continue;
    let real = dir;
    try {
      real = fs.realpathSync(dir);
    } catch {
      /* keep the given path */
    }
    if (seen.has(real)) continue;
    seen.add(real);
    projectsDirs.push(dir);
  }
  return { projectsDirs, looked };
}

const AGENT_FILE = /^agent-(.+)\.jsonl$/;

function describe(projectsDir: string, file: string, st: fs.Stats): DiscoveredFile {
  // files come from listing projectsDir, so the relative path is a slice (path.relative costs more, per file)
  const rel = (file.startsWith(projectsDir + path.sep) ? file.slice(projectsDir.length + 1) : path.relative(projectsDir, file)).split(path.sep);
  const name = rel[rel.length - 1]!;
  const project = rel.length > 1 ? rel[0]! : '(no project)';
  const agent = AGENT_FILE.exec(name);
  let fileSessionId = name.replace(/\.jsonl$/, '');
  const sub = rel.lastIndexOf('subagents');
  if (sub > 0) fileSessionId = rel[sub - 1]!;
  return {
    path: file,
    root: projectsDir,
    project,
    fileAgentId: agent ? agent[1]! : null,
    fileSessionId,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
  };
}

/**
 * Every transcript under the given projects dirs, sorted by path, each real
 * file once. Unreadable directories are skipped and reported.
 */
export function discoverFiles(projectsDirs: string[], problems: { path: string; error: string }[] = []): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const seen = new Set<string>();
  const add = (projectsDir: string, p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      problems.push({ path: p, error: (err as Error).message });
      return;
    }
    if (!st.isFile()) return;
    const id = st.ino === 0 ? p : `${st.dev}:${st.ino}`; // ino 0: platform without inodes
    if (seen.has(id)) return;
    seen.add(id);
    out.push(describe(projectsDir, p, st));
  };
  // a readdir per folder, paths joined by hand (the listing's names are plain; path.join would normalise each
  // again): in a fresh process this is cheaper than readdir's recursive mode, and an unreadable folder costs only itself
  const walk = (projectsDir: string, dir: string): void => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ path: dir, error: (err as Error).message });
      return;
    }
    for (const ent of ents) {
      const p = `${dir}${path.sep}${ent.name}`;
      if (ent.isDirectory()) walk(projectsDir, p);
      else if ((ent.isFile() || ent.isSymbolicLink()) && ent.name.endsWith('.jsonl') && ent.name !== 'journal.jsonl') add(projectsDir, p);
    }
  };
  for (const d of projectsDirs) walk(d, d);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

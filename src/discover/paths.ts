// The user's cache and data directories, per platform conventions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'cachelens');
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'cachelens', 'Cache');
  return path.join(env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(home, '.cache'), 'cachelens');
}

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'cachelens');
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'cachelens', 'Data');
  return path.join(env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : path.join(home, '.local', 'share'), 'cachelens');
}

/** Where the user's config.json lives ($XDG_CONFIG_HOME/cachelens on Linux). */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'cachelens');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'cachelens');
  return path.join(env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : path.join(home, '.config'), 'cachelens');
}

/**
 * The system time zone without starting ICU (tens of ms): $TZ, else the
 * /etc/localtime link, else Intl. Validity is checked where the zone is used.
 */
export function systemTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz) return tz;
  try {
    const m = /zoneinfo\/(.+)$/.exec(fs.readlinkSync('/etc/localtime'));
    if (m) return m[1]!;
  } catch {
    /* not a link (or no such file): ask Intl */
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

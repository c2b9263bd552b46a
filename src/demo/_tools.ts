// Ordinary tool calls and their results (Read, Edit, Grep, Glob, Bash), shared by the
// main thread and sub-agents. Their only job is plausible lines and token counts.

import type { Rng } from './_random.js';
import type { Project } from './_calendar.js';
import { FILE_BODY } from './_text.js';
import type { Block } from './_world.js';

export function toolUse(rng: Rng, project: Project, readOnly = false): Extract<Block, { type: 'tool_use' }> {
  const text = project.text;
  const file = `${project.cwd}/${rng.pick(text.files)}`;
  const kinds = readOnly ? ['Read', 'Read', 'Grep', 'Glob', 'Bash'] : ['Read', 'Read', 'Edit', 'Edit', 'Bash', 'Bash', 'Grep', 'Glob'];
  const name = rng.pick(kinds);
  const id = rng.toolUseId();
  switch (name) {
    case 'Read':
      return { type: 'tool_use', id, name, input: { file_path: file } };
    case 'Edit':
      return { type: 'tool_use', id, name, input: { file_path: file, old_string: 'return input;', new_string: 'return normalise(input);' } };
    case 'Grep':
      return { type: 'tool_use', id, name, input: { pattern: rng.pick(text.patterns), output_mode: 'files_with_matches' } };
    case 'Glob':
      return { type: 'tool_use', id, name, input: { pattern: '**/*.test.*' } };
    default: {
      const c = rng.pick(text.commands);
      return { type: 'tool_use', id, name: 'Bash', input: { command: c.command, description: c.description } };
    }
  }
}

export function toolResult(
  rng: Rng,
  project: Project,
  block: Extract<Block, { type: 'tool_use' }>,
  big: boolean,
): { content: string; tokens: number; toolUseResult: unknown } {
  const input = block.input as Record<string, string>;
  const files = project.text.files.slice(0, rng.int(1, 3)).map((f) => `${project.cwd}/${f}`);
  switch (block.name) {
    case 'Read': {
      const body = rng.pick(FILE_BODY);
      const numLines = body.split('\n').length - 1;
      return {
        content: body
          .split('\n')
          .slice(0, numLines)
          .map((l, i) => `${String(i + 1).padStart(6)}\u2192${l}`)
          .join('\n'),
        tokens: big ? rng.int(5_000, 9_000) : rng.skewed(600, 5_500),
        toolUseResult: { type: 'text', file: { filePath: input.file_path, content: body, numLines, startLine: 1, totalLines: numLines } },
      };
    }
    case 'Edit':
      return {
        content: `The file ${input.file_path} has been updated successfully.`,
        tokens: rng.int(60, 300),
        toolUseResult: {
          filePath: input.file_path,
          oldString: input.old_string,
          newString: input.new_string,
          structuredPatch: [],
          userModified: false,
          replaceAll: false,
        },
      };
    case 'Grep':
      return {
        content: `Found ${files.length} file${files.length === 1 ? '' : 's'}\n${files.join('\n')}`,
        tokens: rng.int(60, 500),
        toolUseResult: { mode: 'files_with_matches', filenames: files, numFiles: files.length },
      };
    case 'Glob':
      return {
        content: files.join('\n'),
        tokens: rng.int(50, 400),
        toolUseResult: { filenames: files, durationMs: rng.int(5, 120), numFiles: files.length, truncated: false },
      };
    default: {
      const stdout = project.text.commands.find((c) => c.command === input.command)?.stdout ?? '';
      return {
        content: stdout,
        tokens: big ? rng.int(3_000, 7_000) : rng.skewed(80, 2_500),
        toolUseResult: { stdout, stderr: '', interrupted: false, isImage: false, noOutputExpected: false },
      };
    }
  }
}

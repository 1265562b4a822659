/**
 * A file is known by a plain name (its base name, or `--name`). Names are used inside Redis keys,
 * BullMQ job ids and URLs, so they are kept to a safe alphabet: no path separators, no `:`
 * (BullMQ refuses it in job ids), no braces (they delimit the key's hash tag).
 */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

export function fileNameProblem(name: string): string | undefined {
  if (!FILE_NAME.test(name)) {
    return 'a file name is 1 to 200 characters of letters, digits, ".", "_" and "-", not starting with "." or "-" (no paths)';
  }
  if (name.includes('..')) return 'a file name must not contain ".."';
  return undefined;
}

export function isValidFileName(name: string): boolean {
  return fileNameProblem(name) === undefined;
}

// Compiles one project's TypeScript into dist/<projectRoot> with swc (fast, keeps Nest's
// decorator metadata). `@bqm/*` imports are rewritten to relative paths; because every project
// lands in dist at its own path, those relative paths hold at run time.
// Type checking is separate: `tsc --noEmit` runs first in each project's build target.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

const workspace = resolve(dirname(new URL(import.meta.url).pathname), '..');
const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/build.mjs <projectRoot>');
  process.exit(2);
}
const swcrc = JSON.parse(await readFile(join(workspace, '.swcrc'), 'utf8'));
const { compilerOptions } = JSON.parse(await readFile(join(workspace, 'tsconfig.base.json'), 'utf8'));
const sourceDir = join(workspace, projectRoot, 'src');
const outDir = join(workspace, 'dist', projectRoot, 'src');

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
    else if (entry.name.endsWith('.lua')) yield path;
  }
}

await rm(join(workspace, 'dist', projectRoot), { recursive: true, force: true });
let count = 0;
for await (const file of sources(sourceDir)) {
  const target = join(outDir, relative(sourceDir, file));
  await mkdir(dirname(target), { recursive: true });
  if (file.endsWith('.lua')) {
    await writeFile(target, await readFile(file));
    continue;
  }
  const output = await transformFile(file, {
    ...swcrc,
    swcrc: false,
    jsc: { ...swcrc.jsc, baseUrl: workspace, paths: compilerOptions.paths },
    sourceFileName: relative(dirname(target), file),
  });
  const jsFile = target.replace(/\.ts$/, '.js');
  await writeFile(jsFile, `${output.code}\n//# sourceMappingURL=${jsFile.split('/').pop()}.map\n`);
  if (output.map) await writeFile(`${jsFile}.map`, output.map);
  count += 1;
}
console.log(`built ${projectRoot}: ${count} files into ${relative(workspace, outDir)}`);

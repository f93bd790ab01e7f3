// Part of `npm run build`. ncc minifies dist/index.js only; the chunks it splits off (what
// src/index.ts loads after the first request: the toolkit, zod, the report) are minified here
// the way ncc minifies index.js, their source maps carried through.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { minify } from 'terser';

const DIST = 'dist';
const CHUNK = /^\d+\.index\.js$/;

for (const file of (await readdir(DIST)).filter((name) => CHUNK.test(name))) {
  const path = join(DIST, file);
  const result = await minify(await readFile(path, 'utf8'), {
    module: true,
    compress: false,
    mangle: { keep_classnames: true, keep_fnames: true },
    sourceMap: { content: await readFile(`${path}.map`, 'utf8'), url: `${file}.map` },
  });
  if (result.code === undefined || typeof result.map !== 'string') {
    throw new Error(`minify-chunks: terser returned nothing for ${path}`);
  }
  await writeFile(path, result.code);
  await writeFile(`${path}.map`, result.map);
}

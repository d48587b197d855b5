// Reads a source map with the npm `source-map` library (0.7) and prints, as
// JSON, what originalPositionFor says for each generated position.
//
//   node consumer.js NODE_MODULES MAP COLUMN...     (generated line 1)
//
// Output: one JSON array of {source, line, column, name} (nulls where the
// library finds no original position).
"use strict";
const path = require("path");
const fs = require("fs");

async function main() {
  const [modules, mapFile, ...columns] = process.argv.slice(2);
  const { SourceMapConsumer } = require(path.join(modules, "source-map"));
  const raw = JSON.parse(fs.readFileSync(mapFile, "utf8"));
  const consumer = await new SourceMapConsumer(raw);
  try {
    const out = columns.map((c) => {
      const p = consumer.originalPositionFor({ line: 1, column: Number(c) });
      return { source: p.source, line: p.line, column: p.column, name: p.name };
    });
    process.stdout.write(JSON.stringify(out));
  } finally {
    consumer.destroy();
  }
}

main().catch((e) => {
  console.error(String((e && e.stack) || e));
  process.exit(1);
});

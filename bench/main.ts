// `npm run bench [case …]`: runs the benchmark cases side by side in one process run and prints their
// figures. Each case is a module in bench/ exporting `run(): Promise<void>`; with no argument all run.
const CASES = ['service', 'collector', 'reporter', 'load', 'front-proxy'] as const;

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(CASES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`bench: unknown case ${unknown.join(', ')} (known: ${CASES.join(', ')})`);
    process.exit(2);
  }
  const chosen = asked.length > 0 ? asked : [...CASES];
  for (const name of chosen) {
    console.log(`\n=== bench: ${name} ===`);
    const mod = (await import(`./${name}.js`)) as { run: () => Promise<void> };
    await mod.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

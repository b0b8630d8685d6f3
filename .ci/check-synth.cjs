// Checks a cloud assembly synthesized by another language's app (.ci/languages.sh): one stack
// whose template holds the named custom resources of the library and the one provider behind them.
// Usage: node .ci/check-synth.cjs <cdk.out>
const fs = require('fs');
const path = require('path');

const outdir = process.argv[2];
const templates = fs.readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
if (templates.length !== 1) throw new Error(`${outdir}: expected one template, found ${templates.join(', ') || 'none'}`);
const template = JSON.parse(fs.readFileSync(path.join(outdir, templates[0]), 'utf8'));
const counts = {};
for (const resource of Object.values(template.Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
const expected = { 'AWS::StepFunctions::StateMachine': 1, 'AWS::Lambda::Function': 5 };
for (const type of process.argv.slice(3)) expected[type] = 1;
for (const [type, count] of Object.entries(expected)) {
  if (counts[type] !== count) throw new Error(`${templates[0]}: expected ${count} ${type}, found ${counts[type] ?? 0}`);
}
console.log(
  `${templates[0]}: ${Object.entries(counts)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ')}`,
);

// Checks a cloud assembly synthesized by another language's app (.ci/languages.sh): every stack's
// template holds the one provider of the library, and the stacks together hold each named custom
// resource of the library once.
// Usage: node .ci/check-synth.cjs <cdk.out> <stack count> <custom resource type>...
const fs = require('fs');
const path = require('path');

const [outdir, stackCount, ...types] = process.argv.slice(2);
const templates = fs.readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
if (templates.length !== Number(stackCount)) {
  throw new Error(`${outdir}: expected ${stackCount} templates, found ${templates.join(', ') || 'none'}`);
}
const customResources = {};
for (const file of templates) {
  const template = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
  const counts = {};
  for (const resource of Object.values(template.Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  for (const [type, count] of Object.entries({ 'AWS::StepFunctions::StateMachine': 1, 'AWS::Lambda::Function': 5 })) {
    if (counts[type] !== count) throw new Error(`${file}: expected ${count} ${type} (the provider), found ${counts[type] ?? 0}`);
  }
  for (const [type, count] of Object.entries(counts)) {
    if (type.startsWith('Custom::')) customResources[type] = (customResources[type] ?? 0) + count;
  }
  console.log(
    `${file}: ${Object.entries(counts)
      .map(([type, count]) => `${count} ${type}`)
      .join(', ')}`,
  );
}
const expected = Object.fromEntries(types.map((type) => [type, 1]));
if (JSON.stringify(Object.entries(customResources).sort()) !== JSON.stringify(Object.entries(expected).sort())) {
  throw new Error(`expected the custom resources ${JSON.stringify(expected)}, found ${JSON.stringify(customResources)}`);
}

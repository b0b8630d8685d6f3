/**
 * One synthesis in a fresh process, for section 2's "fresh process" timing: the parent times this
 * process from spawn to exit (node start-up, tsx, loading aws-cdk-lib and the library, building
 * the construct tree and writing the cloud assembly), as `cdk synth` runs an app.
 *
 * Usage: node --import tsx bench/synth-child.ts <library|awsCustomResource> <constructs>
 */
import './env';
import { Variant, VARIANTS, synthesize, withTempDir } from './footprint';

const [variant, count] = process.argv.slice(2);
if (!VARIANTS.includes(variant as Variant) || !(Number(count) >= 1)) {
  throw new Error(`usage: synth-child.ts <${VARIANTS.join('|')}> <constructs>`);
}
withTempDir((dir) => synthesize(variant as Variant, Number(count), dir));

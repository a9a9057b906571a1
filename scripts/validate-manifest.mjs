// Validates manifest.yml against Slack's app-manifest JSON schema (draft-07).
// Usage: node scripts/validate-manifest.mjs <path to manifest.schema.1.0.0.json>
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';

const schemaPath = process.argv[2];
if (!schemaPath) {
  console.error('usage: validate-manifest.mjs <schema.json>');
  process.exit(2);
}
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
// Slack's schema uses the "uri" format and its own keywords (_note, regex): strict mode would refuse it.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);
const manifest = parse(readFileSync('manifest.yml', 'utf8'));
if (validate(manifest)) {
  console.log('manifest.yml is valid against Slack’s app-manifest schema');
} else {
  for (const error of validate.errors ?? []) console.error(`manifest.yml${error.instancePath || '/'}: ${error.message}`);
  process.exit(1);
}

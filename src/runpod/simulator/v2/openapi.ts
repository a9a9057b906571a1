import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

/**
 * RunPod's REST v2 schema (the subset the bot uses, kept in this folder) as validators: the
 * simulator checks every request's query and body, and every answer it sends, against it. ajv is
 * a runtime dependency for this file only: the console runs the simulator, a Slack bot never
 * loads it.
 */

const ROOT_ID = 'https://monai-pod-bot.invalid/runpod-v2.json';
// Component schemas become $defs of one root schema, so every $ref resolves inside ajv.
const text = readFileSync(new URL('./openapi.subset.json', import.meta.url), 'utf8').replaceAll('"#/components/schemas/', `"${ROOT_ID}#/$defs/`);

type Json = Record<string, unknown>;
interface ParameterSpec {
  name: string;
  in: string;
  required?: boolean;
  schema: Json;
}
interface ResponseSpec {
  content?: Record<string, { schema: Json }>;
  $ref?: string;
}
interface OperationSpecRaw {
  operationId: string;
  parameters?: (ParameterSpec | { $ref: string })[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, ResponseSpec>;
}

const document = JSON.parse(text) as {
  paths: Record<string, Record<string, OperationSpecRaw | ParameterSpec[]>>;
  components: { schemas: Json; parameters: Record<string, ParameterSpec>; responses: Record<string, ResponseSpec> };
};

// strictTypes and strictRequired off: RunPod's schema puts object keywords and required names
// beside allOf and in if/then, without repeating "type" or the properties there.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
// Format plugins ship as CommonJS: the default import is the plugin or an object holding it.
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (instance: Ajv2020) => void;
addFormats(ajv);
// OpenAPI's numeric formats and enum-name hints are annotations, not constraints.
ajv.addFormat('float', { type: 'number', validate: () => true });
ajv.addKeyword('x-enum-varnames');
ajv.addSchema({ $id: ROOT_ID, $defs: document.components.schemas });

export interface V2Operation {
  operationId: string;
  method: string;
  path: string;
  pattern: RegExp;
  query: ParameterSpec[];
  body: ValidateFunction | null;
  responses: Record<string, ResponseSpec>;
}

function deref<T>(value: T | { $ref: string }, section: 'parameters' | 'responses'): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const name = value.$ref.split('/').pop()!;
    return document.components[section][name] as T;
  }
  return value as T;
}

export const V2_OPERATIONS: readonly V2Operation[] = Object.entries(document.paths).flatMap(([path, item]) => {
  const shared = (item['parameters'] as ParameterSpec[] | undefined) ?? [];
  return Object.entries(item)
    .filter(([method]) => method !== 'parameters')
    .map(([method, raw]) => {
      const operation = raw as OperationSpecRaw;
      const parameters = [...shared, ...(operation.parameters ?? []).map((parameter) => deref<ParameterSpec>(parameter, 'parameters'))];
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      return {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        query: parameters.filter((parameter) => parameter.in === 'query'),
        body: bodySchema ? ajv.compile(bodySchema) : null,
        responses: operation.responses,
      };
    });
});

export function findOperation(method: string, pathname: string): { operation: V2Operation; id: string | undefined } | null {
  for (const operation of V2_OPERATIONS) {
    const match = operation.pattern.exec(pathname);
    if (match && operation.method === method) return { operation, id: match[1] ? decodeURIComponent(match[1]) : undefined };
  }
  return null;
}

/** ajv's findings as the one-line strings of a problem's errors[]. */
function describe(errors: readonly ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map((error) => {
    const path = `${where}${error.instancePath}`;
    const extra = error.params as { unevaluatedProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
    const named = extra.unevaluatedProperty ?? extra.additionalProperty;
    if (named) return `${path}/${named}: unknown field`;
    return `${path}: ${error.message ?? 'invalid'}${extra.allowedValues ? ` (${extra.allowedValues.join(', ')})` : ''}`;
  });
}

const compiled = new Map<Json, ValidateFunction>();
function validator(schema: Json): ValidateFunction {
  let found = compiled.get(schema);
  if (!found) {
    found = ajv.compile(schema);
    compiled.set(schema, found);
  }
  return found;
}

/** Text of a query parameter to the typed value its schema describes (OpenAPI's form style, explode: false). */
function typed(raw: string, schema: Json): unknown {
  const type = schema['type'];
  if (type === 'array') return raw.split(',').map((part) => typed(part, (schema['items'] as Json | undefined) ?? {}));
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * Problems with a request's query: unknown parameters too. RunPod ignores those; the simulator
 * does not, because a misspelled filter silently ignored is a bug that costs money (wrong cloud).
 */
export function checkQuery(operation: V2Operation, params: URLSearchParams): string[] {
  const problems: string[] = [];
  for (const name of new Set(params.keys())) {
    const spec = operation.query.find((parameter) => parameter.name === name);
    if (!spec) {
      problems.push(`query/${name}: unknown parameter`);
      continue;
    }
    const validate = validator(spec.schema);
    if (!validate(typed(params.get(name) ?? '', spec.schema))) problems.push(...describe(validate.errors, `query/${name}`));
  }
  return problems;
}

export function checkBody(operation: V2Operation, body: unknown): string[] {
  if (!operation.body) return body === undefined ? [] : ['body: this operation takes no body'];
  return operation.body(body) ? [] : describe(operation.body.errors, 'body');
}

/** Problems with an answer the simulator is about to send: a simulator bug, never the bot's. */
export function checkAnswer(operation: V2Operation, status: number, contentType: string, body: unknown): string[] {
  const response = deref<ResponseSpec>(operation.responses[String(status)] ?? operation.responses['default'] ?? {}, 'responses');
  if (!response.content) return body === undefined ? [] : [`status ${status} has no body in the schema`];
  const media = response.content[contentType];
  if (!media) return [`status ${status} is not ${contentType} in the schema (${Object.keys(response.content).join(', ')})`];
  const validate = validator(media.schema);
  return validate(body) ? [] : describe(validate.errors, `answer ${status}`);
}

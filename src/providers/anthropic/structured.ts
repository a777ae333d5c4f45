/**
 * Anthropic structured outputs: a `json_schema` response format becomes `output_config.format`
 * on the models that take it, its schema brought to the JSON Schema subset Anthropic accepts and
 * held to its limits; what cannot be is refused (the engine routes the request elsewhere). Tools
 * marked `strict` become strict tools (`strict: true`) only when the provider opts in
 * (`options.strictTools`) and all of them fit, counted with the output schema; else none does,
 * with a warning. Both GA, no beta header; see docs/providers.md, "Structured outputs".
 */
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../core/types.js';

type Schema = Record<string, unknown>;

/** `output_config.format`. */
export type OutputFormat = { type: 'json_schema'; schema: Schema };

/** What a request asks of structured outputs, ready to send, with one warning per kind of loss. */
export interface Structured {
  /** `output_config.format`, when a JSON response format is asked for and Anthropic can honour it. */
  format?: OutputFormat;
  /** Why the JSON response format asked for cannot be sent (see {@link formatProblem}). */
  formatProblem?: string;
  /** The `input_schema` of each tool sent with `strict: true`, converted, by its index in `request.tools`. */
  strictTools: Map<number, Schema>;
  warnings: string[];
}

/** What the provider takes: structured outputs (`native`, by the model or `options.structuredOutputs`) and strict tools (`options.strictTools`). */
export interface StructuredSupport {
  native: boolean;
  strictTools: boolean;
}

/**
 * Whether a model takes structured outputs, by its name: Claude 4.5 and later (Sonnet 4.5,
 * Opus 4.5, Haiku 4.5, Opus/Sonnet 4.6, Opus 4.7…), also as Bedrock or Vertex ids. Older names
 * (`claude-sonnet-4-20250514`, `claude-3-7-sonnet-…`, Opus 4.1) and names that tell no version do not.
 */
export function supportsStructuredOutputs(model: string): boolean {
  const match = /claude-[a-z]+-(\d+)(?:[-.](\d{1,2}))?(?!\d)/i.exec(model);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2] ?? 0);
  return major > 4 || (major === 4 && minor >= 5);
}

const SCHEMALESS = 'Anthropic has no schema-less JSON mode; only a json_schema response format with a schema can be enforced';
const PREFILL = 'Anthropic structured outputs cannot continue a prefilled assistant turn';

/**
 * The request's JSON response format as `output_config.format` (`native`: the model takes
 * structured outputs) with its converted schema, a reason why it cannot be honoured, or
 * `undefined` when none is asked for. Limits are checked by the caller, across strict tools too.
 */
function toStructuredOutput(request: ChatRequest, model: string, native: boolean): { format: OutputFormat; converted: Converted } | { problem: string } | undefined {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return undefined;
  if (!native) {
    return { problem: `Anthropic has no JSON output mode for ${model} (structured outputs need Claude 4.5 or later, or options.structuredOutputs); the answer would be prose` };
  }
  if (format.type === 'json_object' || format.schema === undefined) return { problem: SCHEMALESS };
  if (endsWithAssistant(request.messages)) return { problem: PREFILL };
  const converted = convertSchema(format.schema, OUTPUT_NOTE);
  if ('problem' in converted) return converted;
  const schema = converted.schema;
  if (format.description !== undefined && schema.description === undefined) schema.description = format.description;
  return { format: { type: 'json_schema', schema }, converted };
}

/** A conversation whose last sent turn is the assistant's: a prefill, which JSON outputs refuse. */
function endsWithAssistant(messages: ChatMessage[]): boolean {
  return messages.filter((message) => message.role !== 'system').at(-1)?.role === 'assistant';
}

/** The response format as `output_config.format`, or why it cannot be sent (it alone, or its schema over Anthropic's complexity limits). */
function sendableFormat(request: ChatRequest, model: string, native: boolean): { format: OutputFormat; converted: Converted } | { problem: string } | undefined {
  const output = toStructuredOutput(request, model, native);
  if (output === undefined || 'problem' in output) return output;
  const alone = limitsProblem([output.converted]);
  return alone === undefined ? output : { problem: alone };
}

/**
 * Why Anthropic cannot honour the request's JSON response format (undefined: it can, or none is
 * asked for): the adapter refuses such a request, and the engine routes it elsewhere.
 */
export function formatProblem(request: ChatRequest, model: string, native: boolean): string | undefined {
  const output = sendableFormat(request, model, native);
  return output !== undefined && 'problem' in output ? output.problem : undefined;
}

/**
 * The response format and the strict tools of a request as Anthropic takes them. A format that
 * cannot be sent is left out, with the reason in `formatProblem`. Strict tools never make a
 * problem: when they cannot all go strict, none does, with a warning.
 */
export function toStructured(request: ChatRequest, model: string, support: StructuredSupport): Structured {
  const output = sendableFormat(request, model, support.native);
  const sent = output !== undefined && !('problem' in output) ? output : undefined;
  const outputs = sent === undefined ? [] : [sent.converted];
  const format = sent === undefined ? {} : { format: sent.format };
  const problem = output !== undefined && 'problem' in output ? { formatProblem: output.problem } : {};
  const tools = toStrictTools(request, model, support, outputs);
  if ('notSent' in tools) return { ...format, ...problem, strictTools: new Map(), warnings: [...warningsOf(outputs), tools.notSent] };
  return { ...format, ...problem, strictTools: tools.schemas, warnings: warningsOf([...outputs, ...tools.converted]) };
}

/**
 * The converted schemas of the tools marked `strict`, by index, when the provider opts in, the
 * model takes them, and all of them convert and fit Anthropic's limits together with `outputs`
 * (20 strict tools; optional and union properties); else the warning saying why none goes strict.
 */
function toStrictTools(request: ChatRequest, model: string, support: StructuredSupport, outputs: Converted[]): { schemas: Map<number, Schema>; converted: Converted[] } | { notSent: string } {
  const schemas = new Map<number, Schema>();
  const converted: Converted[] = [];
  const strict = (request.tools ?? []).flatMap((tool, index) => (tool.strict === true ? [{ tool, index }] : []));
  if (strict.length === 0) return { schemas, converted };
  if (!support.strictTools) return { notSent: strictNotSentWarning(model, 'strict tool use is off: options.strictTools turns it on') };
  if (!support.native) return { notSent: strictNotSentWarning(model, 'strict tool use needs Claude 4.5 or later, or options.structuredOutputs') };
  const notSent = (problem: string) => ({ notSent: `${problem}; "strict" was not sent` });
  if (strict.length > MAX_STRICT_TOOLS) return notSent(`${REFUSED}more than ${MAX_STRICT_TOOLS} strict tools in a request (${strict.length} here)`);
  for (const { tool, index } of strict) {
    const result = convertSchema(toolSchema(tool), TOOL_NOTE);
    if ('problem' in result) return notSent(`${result.problem} in the parameters of strict tool "${tool.name}"`);
    schemas.set(index, result.schema);
    converted.push(result);
  }
  const limits = limitsProblem([...outputs, ...converted], outputs.length > 0);
  return limits === undefined ? { schemas, converted } : notSent(limits);
}

/** The warning for tools marked `strict` sent without it (Anthropic does not enforce their schemas then), and why. */
function strictNotSentWarning(model: string, why: string): string {
  return `Anthropic does not enforce tool parameter schemas for ${model} (${why}); "strict" was not sent`;
}

/** A tool's parameters, or the empty object Anthropic needs when it has none. */
export function toolSchema(tool: ToolDefinition): Schema {
  return tool.parameters ?? { type: 'object', properties: {} };
}

/** Keywords Anthropic's structured outputs take as they are (besides those handled one by one below). */
const KEPT = new Set(['type', 'required', 'enum', 'const', 'default', 'description', 'title', '$ref']);
/** Keywords that only annotate: left out, without a warning. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'examples', 'deprecated', 'readOnly', 'writeOnly']);
/** Keywords that change the shape of the answer and have no equivalent: the schema is refused. */
const STRUCTURAL = new Set([
  'not', 'if', 'then', 'else', 'patternProperties', 'propertyNames', 'dependentSchemas', 'dependentRequired', 'dependencies',
  'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'unevaluatedItems', 'unevaluatedProperties',
  '$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor',
]);
/** String formats Anthropic enforces; others move into the description. */
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);
/** Regular-expression features Anthropic's `pattern` does not take: backreferences, lookaround, word boundaries. */
const UNSUPPORTED_PATTERN = /\\[1-9]|\\k<|\(\?<?[=!]|\\[bB]/;
/** What the model is told of a constraint moved into a description, in an output schema and in a tool's. */
const OUTPUT_NOTE = 'Not enforced by the output format, but required: ';
const TOOL_NOTE = 'Not enforced by the tool schema, but required: ';
/**
 * Anthropic's limits ("Schema is too complex"): tools with `strict: true`, and, across the output
 * schema and all strict tools' schemas, optional properties and properties with `anyOf` or a type array.
 */
const MAX_STRICT_TOOLS = 20;
const MAX_OPTIONAL = 24;
const MAX_UNIONS = 16;
const REFUSED = 'Anthropic structured outputs do not support ';

class Refusal extends Error {}

/** A schema in Anthropic's subset, what moved into its descriptions, and whether a `oneOf` became `anyOf`. */
interface Converted {
  schema: Schema;
  moved: Set<string>;
  anyOfFromOneOf: boolean;
}

/**
 * Brings a JSON Schema to the subset Anthropic accepts, as its SDKs do: every object with
 * properties gets `additionalProperties: false`, `oneOf` becomes `anyOf`, and value constraints
 * Anthropic does not enforce (`minimum`, `maxLength`, other `format`s, …) move into the description
 * (a warning: the client must check them). Recursion, external `$ref`s, open objects, schemas over
 * Anthropic's complexity limits and the like are a problem.
 */
export function toAnthropicSchema(schema: Schema): { schema: Schema; warnings: string[] } | { problem: string } {
  const converted = convertSchema(schema, OUTPUT_NOTE);
  if ('problem' in converted) return converted;
  const limits = limitsProblem([converted]);
  return limits === undefined ? { schema: converted.schema, warnings: warningsOf([converted]) } : { problem: limits };
}

/** One warning for the constraints moved out of any of `schemas`, one for any `oneOf` sent as `anyOf`. */
function warningsOf(schemas: readonly Converted[]): string[] {
  const moved = new Set(schemas.flatMap((converted) => [...converted.moved]));
  const warnings: string[] = [];
  if (moved.size > 0) warnings.push(`Anthropic structured outputs do not enforce ${[...moved].join(', ')}; they were moved into the schema descriptions`);
  if (schemas.some((converted) => converted.anyOfFromOneOf)) warnings.push('Anthropic structured outputs do not enforce oneOf; it was sent as anyOf');
  return warnings;
}

/**
 * Anthropic's complexity limits over all the strict schemas of a request, counted together (the
 * output schema first when `withFormat`), as a problem, or `undefined` when they are kept.
 */
function limitsProblem(schemas: readonly Converted[], withFormat = false): string | undefined {
  let optional = 0;
  let unions = 0;
  for (const { schema } of schemas) {
    const counted = complexity(schema);
    optional += counted.optional;
    unions += counted.unions;
  }
  const tools = schemas.length - (withFormat ? 1 : 0);
  const where = schemas.length < 2 ? '' : `, across ${withFormat ? 'the output format and ' : ''}${tools} strict tool${tools === 1 ? '' : 's'}`;
  if (optional > MAX_OPTIONAL) return `${REFUSED}more than ${MAX_OPTIONAL} optional properties (${optional} here${where}, counting every property not in its object's required)`;
  if (unions > MAX_UNIONS) return `${REFUSED}more than ${MAX_UNIONS} properties with anyOf or a type array (${unions} here${where})`;
  return undefined;
}

/** {@link toAnthropicSchema} without the complexity limits, which count all of a request's strict schemas. `note` starts each moved-constraint description. */
function convertSchema(schema: Schema, note: string): Converted | { problem: string } {
  const moved = new Set<string>();
  let anyOfFromOneOf = false;
  try {
    const cycle = findRecursion(schema);
    if (cycle !== undefined) throw new Refusal(`recursive schemas ($ref ${cycle})`);
    const out = convert(schema, '#') as Schema;
    return { schema: out, moved, anyOfFromOneOf };
  } catch (error) {
    if (error instanceof Refusal) return { problem: `${REFUSED}${error.message}` };
    throw error;
  }

  function convert(node: unknown, at: string): unknown {
    if (!isSchema(node)) return node; // `true`/`false` schemas, or values Anthropic judges itself
    const out: Schema = {};
    const notes: string[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (KEPT.has(key)) out[key] = value;
      else if (ANNOTATIONS.has(key)) continue;
      else if (STRUCTURAL.has(key)) throw new Refusal(`"${key}" (at ${at})`);
      else if (key === 'properties' || key === '$defs' || key === 'definitions') out[key] = mapValues(value, (child, name) => convert(child, `${at}/${key}/${name}`));
      else if (key === 'items') {
        if (Array.isArray(value)) throw new Refusal(`tuple "items" (at ${at})`);
        out.items = convert(value, `${at}/items`);
      } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
        if (!Array.isArray(value)) throw new Refusal(`"${key}" that is not an array (at ${at})`);
        if (key === 'allOf' && value.some((entry) => isSchema(entry) && '$ref' in entry)) throw new Refusal(`allOf with $ref (at ${at})`);
        if (key === 'oneOf') anyOfFromOneOf = true;
        out[key === 'oneOf' ? 'anyOf' : key] = value.map((entry, i) => convert(entry, `${at}/${key}/${i}`));
      } else if (key === 'additionalProperties') {
        if (value !== false) throw new Refusal(`additionalProperties other than false (at ${at})`);
        out.additionalProperties = false;
      } else if (key === 'minItems' && (value === 0 || value === 1)) out.minItems = value;
      else if (key === 'format' && typeof value === 'string' && FORMATS.has(value)) out.format = value;
      else if (key === 'pattern' && typeof value === 'string' && !UNSUPPORTED_PATTERN.test(value)) out.pattern = value;
      else {
        // A constraint Anthropic does not enforce, or a keyword it does not know: told to the model.
        moved.add(key);
        notes.push(`${key} ${JSON.stringify(value)}`);
      }
    }
    if (typeof out.$ref === 'string' && !out.$ref.startsWith('#')) throw new Refusal(`external $ref (${out.$ref})`);
    if (Array.isArray(out.enum) && out.enum.some((value) => typeof value === 'object' && value !== null)) throw new Refusal(`enums of objects or arrays (at ${at})`);
    if (isObjectSchema(out) && !('additionalProperties' in out)) {
      // Closing an object that names no properties would allow only `{}`: it is a free-form object.
      if (!('properties' in out)) throw new Refusal(`open objects: an object without properties must say additionalProperties: false (at ${at})`);
      out.additionalProperties = false;
    }
    if (notes.length > 0) out.description = `${typeof out.description === 'string' && out.description !== '' ? `${out.description}\n\n` : ''}${note}${notes.join(', ')}`;
    return out;
  }
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectSchema(schema: Schema): boolean {
  const type = schema.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || (type === undefined && 'properties' in schema);
}

/**
 * What Anthropic's complexity limits count in a converted schema, each definition once: properties
 * not in their object's `required`, and properties with `anyOf` or a type array.
 */
function complexity(root: Schema): { optional: number; unions: number } {
  let optional = 0;
  let unions = 0;
  const visit = (node: unknown): void => {
    if (!isSchema(node)) return;
    if (isSchema(node.properties)) {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      for (const [name, property] of Object.entries(node.properties)) {
        if (!required.has(name)) optional++;
        if (isSchema(property) && ('anyOf' in property || Array.isArray(property.type))) unions++;
        visit(property);
      }
    }
    visit(node.items);
    for (const key of ['anyOf', 'allOf']) if (Array.isArray(node[key])) (node[key] as unknown[]).forEach(visit);
    for (const key of ['$defs', 'definitions']) if (isSchema(node[key])) Object.values(node[key]).forEach(visit);
  };
  visit(root);
  return { optional, unions };
}

function mapValues(value: unknown, fn: (child: unknown, name: string) => unknown): unknown {
  if (!isSchema(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, fn(child, name)]));
}

/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);

/** The first local `$ref` that leads back to a schema it is inside of (a recursive schema), or `undefined`. */
function findRecursion(root: Schema): string | undefined {
  const open = new Set<string>();
  const done = new Set<string>();
  const visit = (node: unknown): string | undefined => {
    if (Array.isArray(node)) {
      for (const entry of node) {
        const found = visit(entry);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (!isSchema(node)) return undefined;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#')) {
      if (open.has(ref)) return ref;
      if (!done.has(ref)) {
        const found = enter(ref, resolvePointer(root, ref));
        if (found !== undefined) return found;
      }
    }
    for (const [key, value] of Object.entries(node)) {
      // Definitions are entered through the `$ref`s that use them; values are not schemas.
      if (key === '$defs' || key === 'definitions' || key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
      // In a map of named schemas the names are not keywords: a property may be called `default`.
      const found = SCHEMA_MAPS.has(key) && isSchema(value) ? visit(Object.values(value)) : visit(value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const enter = (pointer: string, target: unknown): string | undefined => {
    open.add(pointer);
    const found = visit(target);
    open.delete(pointer);
    done.add(pointer);
    return found;
  };
  const found = enter('#', root);
  if (found !== undefined) return found;
  // Definitions no `$ref` reaches are still compiled by Anthropic.
  for (const key of ['$defs', 'definitions']) {
    const defs = root[key];
    if (!isSchema(defs)) continue;
    for (const name of Object.keys(defs)) {
      const pointer = `#/${key}/${name}`;
      if (done.has(pointer)) continue;
      const inner = enter(pointer, defs[name]);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** A local JSON pointer (`#/$defs/node`) in `root`, or `undefined`. */
function resolvePointer(root: Schema, pointer: string): unknown {
  const path = pointer.slice(1);
  if (path === '') return root;
  let node: unknown = root;
  for (const raw of path.split('/').slice(1)) {
    const key = decodePart(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A pointer part, percent-decoded when it is valid percent-encoding (else as written). */
function decodePart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

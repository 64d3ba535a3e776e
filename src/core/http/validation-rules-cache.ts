import { getMetadataStorage } from 'class-validator';

type Rules = unknown[];
interface RuleStorage {
  getTargetValidationMetadatas(
    target: unknown,
    schema: unknown,
    always: boolean,
    strict: boolean,
    groups?: string[],
  ): Rules;
  groupByPropertyName(rules: Rules): Record<string, Rules>;
  addValidationMetadata(rule: unknown): void;
}

let installed = false;

/**
 * class-validator finds a class's rules on every validated object (each nested part of a prompt too) by testing the
 * class against every class that has rules, hundreds here, then groups them by property: about a fifth of a
 * millisecond per prompt. The rules are fixed once the classes are defined, so each answer is kept; a rule added
 * later (a class defined after the first request) clears what was kept. The kept arrays are only read.
 */
export function cacheValidationRules(): void {
  if (installed) return;
  const storage = getMetadataStorage() as unknown as Partial<RuleStorage>;
  if (
    typeof storage.getTargetValidationMetadatas !== 'function' ||
    typeof storage.groupByPropertyName !== 'function' ||
    typeof storage.addValidationMetadata !== 'function'
  )
    return; // another class-validator: validation still works, uncached
  installed = true;
  const find = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let found = new Map<unknown, Map<string, Rules>>();
  let grouped = new WeakMap<Rules, Record<string, Rules>>();
  storage.addValidationMetadata = (rule) => {
    found = new Map();
    grouped = new WeakMap();
    add(rule);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strict, groups) => {
    const key = `${String(schema)}\0${always}\0${strict}\0${groups ? groups.join('\0') : '-'}`;
    let byOptions = found.get(target);
    if (!byOptions) found.set(target, (byOptions = new Map()));
    let rules = byOptions.get(key);
    if (!rules) byOptions.set(key, (rules = find(target, schema, always, strict, groups)));
    return rules;
  };
  storage.groupByPropertyName = (rules) => {
    let byProperty = grouped.get(rules);
    if (!byProperty) grouped.set(rules, (byProperty = group(rules)));
    return byProperty;
  };
}

import { Random } from '../../../../dev/seed/random';
import type { JsonValue } from '../json';
import type { ConditionGroup, Outcome, Policy, PolicyRule } from '../types';

export const rule = (id: string, when: ConditionGroup, outcome: Outcome = 'DECLINE', reason = `${id}.reason`, confidence = 0.8): PolicyRule => ({
  id,
  when,
  outcome,
  confidence,
  reason,
});

export const policyOf = (...rules: PolicyRule[]): Policy => ({
  version: 2,
  rules,
  incomplete: { outcome: 'REVIEW', confidence: 0.5, reason: 'incomplete.reason' },
  default: { outcome: 'APPROVE', confidence: 0.9, reason: 'default.reason' },
});

/** The same value with every object's keys in a new random order. */
export function shuffleKeys(value: JsonValue, rng: Random): JsonValue {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, rng));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((key) => [key, shuffleKeys(value[key]!, rng)]));
}

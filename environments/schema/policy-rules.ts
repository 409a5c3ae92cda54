import { type Rule, reportDuplicates } from './rules';

/** One waiver per rule and object: a second one would hide which reason applies. */
const uniqueWaivers: Rule = (spec, ctx) => {
  reportDuplicates(
    ctx,
    spec.policy.waivers,
    (waiver) => `${waiver.rule} ${waiver.kind} ${waiver.namespace ?? ''}/${waiver.name}`,
    (index) => ['policy', 'waivers', index],
    'the rule and object',
  );
};

/** Cross-field rules of the policy section. */
export const policyRules: Rule[] = [uniqueWaivers];

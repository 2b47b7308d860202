import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createDecision: (_parent, { input }, { decisions, caller }) => decisions.create(caller, input),
};

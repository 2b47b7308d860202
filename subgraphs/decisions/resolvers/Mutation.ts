import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createDecision: (_parent, { input }, { decisionMaker, caller }) => decisionMaker.create(caller, input),
};

import type { DecisionOutcome, FeatureResolvers } from '../__generated__/resolvers-types';

export const Feature: FeatureResolvers = {
  outcomes: (feature) => feature.outcomes as DecisionOutcome[],
  packageVersion: async (feature, _args, { loaders }) => (await loaders.versionById.load(feature.packageVersionId))!,
};

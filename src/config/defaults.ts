// What Gatehouse runs with when no configuration is given: the built-in offline mock provider and
// a few ready models, so a first request works without internet or provider keys.
export const defaultConfig = {
  providers: { mock: { type: 'mock' } },
  models: {
    'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
    'mock-smart': { targets: [{ provider: 'mock', model: 'mock-smart' }] },
    'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
  },
};

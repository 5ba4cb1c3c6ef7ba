// Polling strategies and the global config, backed by the core.
import {
  PollingStrategy, FixedPollingStrategy, AdaptivePollingStrategy, ExponentialPollingStrategy,
  ProgressivePollingStrategy, PollingAlgorithm, config,
} from '../bindings/index.js';

afterEach(() => config.reset());

test('PollingAlgorithm names', () => {
  expect(PollingAlgorithm).toEqual({ Fixed: 'fixed', Adaptive: 'adaptive', Exponential: 'exponential', Progressive: 'progressive' });
});

test('Fixed: constant, from config', () => {
  const s = new FixedPollingStrategy();
  expect(s.name).toBe('fixed');
  expect(s.nextInterval()).toBe(10);
  s.recordNoCompletion();
  s.recordCompletion();
  expect(s.nextInterval()).toBe(10);
  config.defaults.pollingFixedInterval = 4;
  expect(new FixedPollingStrategy().nextInterval()).toBe(4);
  expect(new FixedPollingStrategy({ interval: 7 }).nextInterval()).toBe(7);
});

test('Adaptive: x0.7 on completion (min 1), x1.3 after 3 empty checks (max 100)', () => {
  const s = new AdaptivePollingStrategy();
  expect(s.nextInterval()).toBe(10);
  s.recordCompletion();
  expect(s.nextInterval()).toBeCloseTo(7);
  s.recordNoCompletion();
  s.recordNoCompletion();
  expect(s.nextInterval()).toBeCloseTo(7);
  s.recordNoCompletion();
  expect(s.nextInterval()).toBeCloseTo(9.1);
  for (let i = 0; i < 100; i++) s.recordNoCompletion();
  expect(s.nextInterval()).toBe(100);
  for (let i = 0; i < 100; i++) s.recordCompletion();
  expect(s.nextInterval()).toBe(1);
  s.reset();
  expect(s.nextInterval()).toBe(10);
});

test('Exponential: x2 up to 1000, back to 1 on completion', () => {
  const s = new ExponentialPollingStrategy();
  const seq = [];
  for (let i = 0; i < 12; i++) { seq.push(s.nextInterval()); s.recordNoCompletion(); }
  expect(seq).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000]);
  s.recordCompletion();
  expect(s.nextInterval()).toBe(1);
});

test('Progressive: 1, 5, 10, 50, 100 ms, 5 checks per level', () => {
  const s = new ProgressivePollingStrategy();
  const seq = [];
  for (let i = 0; i < 26; i++) { seq.push(s.nextInterval()); s.recordNoCompletion(); }
  expect([...new Set(seq)]).toEqual([1, 5, 10, 50, 100]);
  expect(seq.filter((x) => x === 5).length).toBe(5);
  s.recordCompletion();
  expect(s.nextInterval()).toBe(1);
  const t = new ProgressivePollingStrategy({ checksPerLevel: 1 });
  t.recordNoCompletion();
  expect(t.nextInterval()).toBe(5);
});

test('create by name (case-insensitive); unknown names and parameters throw', () => {
  expect(PollingStrategy.create('EXPONENTIAL')).toBeInstanceOf(ExponentialPollingStrategy);
  expect(PollingStrategy.create('adaptive').name).toBe('adaptive');
  expect(() => PollingStrategy.create('nope')).toThrow(RangeError);
  expect(() => PollingStrategy.create(5)).toThrow(TypeError);
  expect(() => new PollingStrategy()).toThrow(TypeError);
  expect(() => new FixedPollingStrategy({ intervl: 1 })).toThrow(/'intervl'/);
  expect(() => new FixedPollingStrategy({ interval: -1 })).toThrow(RangeError);
});

test('config.defaults: read, write (validated by the core), reset', () => {
  expect(config.defaults.pollingFixedInterval).toBe(10);
  expect(config.defaults.pollingAdaptiveMinInterval).toBe(1);
  expect(config.defaults.pollingAdaptiveMaxInterval).toBe(100);
  expect(config.defaults.pollingExponentialMaxInterval).toBe(1000);
  expect(config.defaults.pollingProgressiveChecksPerLevel).toBe(5);
  expect(config.defaults.defaultPolling).toBe('adaptive');
  config.defaults.pollingAdaptiveInitialInterval = 20;
  expect(new AdaptivePollingStrategy().nextInterval()).toBe(20);
  expect(() => { config.defaults.pollingFixedInterval = 0; }).toThrow(RangeError);
  expect(() => { config.defaults.pollingFixedInterval = 'x'; }).toThrow(TypeError);
  expect(() => { config.defaults.nope = 1; }).toThrow(/'nope'/);
  expect(config.defaults.pollingFixedInterval).toBe(10);
  config.defaults.defaultPolling = 'Progressive';
  expect(config.defaults.defaultPolling).toBe('progressive');
  expect(() => { config.defaults.defaultPolling = 'zzz'; }).toThrow(RangeError);
  config.reset();
  expect(config.defaults.defaultPolling).toBe('adaptive');
  expect(config.defaults.pollingAdaptiveInitialInterval).toBe(10);
  expect(Object.keys(config.snapshot())).toContain('progressMiniters');
});

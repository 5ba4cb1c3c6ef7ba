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

describe('parameters: one check in the core for strategies and config.defaults', () => {
  test('cross-field rules: adaptive min <= initial <= max, exponential initial <= max', () => {
    expect(() => new AdaptivePollingStrategy({ minInterval: 50, maxInterval: 5 }))
      .toThrow(/AdaptivePollingStrategy: parameter 'minInterval' must be <= initialInterval \(10\); got 50/);
    expect(() => new AdaptivePollingStrategy({ minInterval: 50, maxInterval: 5 })).toThrow(RangeError);
    expect(() => new AdaptivePollingStrategy({ maxInterval: 5 }))
      .toThrow(/'initialInterval' must be <= maxInterval \(5\); got 10/);
    expect(() => new ExponentialPollingStrategy({ initialInterval: 2000, maxInterval: 1000 }))
      .toThrow(/ExponentialPollingStrategy: parameter 'initialInterval' must be <= maxInterval \(1000\); got 2000/);
    expect(() => new ProgressivePollingStrategy({ minInterval: 20, maxInterval: 10 })).toThrow(RangeError);
  });

  test('counts are not wrapped: emptyChecks 2**32 is refused, 2**32 - 1 kept exactly', () => {
    expect(() => new AdaptivePollingStrategy({ emptyChecks: 2 ** 32 }))
      .toThrow(/'emptyChecks' must be a whole number from 1 to 4294967295; got 4294967296/);
    expect(new AdaptivePollingStrategy({ emptyChecks: 2 ** 32 - 1 }).params.emptyChecks).toBe(2 ** 32 - 1);
    expect(() => new ProgressivePollingStrategy({ checksPerLevel: 1.5 })).toThrow(RangeError);
  });

  test('a strategy and config.defaults give the same verdict on the same values', () => {
    const cases = [
      [AdaptivePollingStrategy, { minInterval: 50 }, { pollingAdaptiveMinInterval: 50 }],
      [AdaptivePollingStrategy, { maxInterval: 5 }, { pollingAdaptiveMaxInterval: 5 }],
      [AdaptivePollingStrategy, { emptyChecks: 2 ** 32 }, { pollingAdaptiveEmptyChecks: 2 ** 32 }],
      [AdaptivePollingStrategy, { speedup: 1.5 }, { pollingAdaptiveSpeedup: 1.5 }],
      [AdaptivePollingStrategy, { slowdown: 0.5 }, { pollingAdaptiveSlowdown: 0.5 }],
      [AdaptivePollingStrategy, { initialInterval: 50 }, { pollingAdaptiveInitialInterval: 50 }],
      [ExponentialPollingStrategy, { initialInterval: 2000 }, { pollingExponentialInitialInterval: 2000 }],
      [ExponentialPollingStrategy, { multiplier: 1 }, { pollingExponentialMultiplier: 1 }],
      [ProgressivePollingStrategy, { minInterval: 200 }, { pollingProgressiveMinInterval: 200 }],
      [ProgressivePollingStrategy, { checksPerLevel: 0 }, { pollingProgressiveChecksPerLevel: 0 }],
      [FixedPollingStrategy, { interval: Infinity }, { pollingFixedInterval: Infinity }],
    ];
    for (const [Cls, params, defaults] of cases) {
      let strategy = null;
      try { new Cls(params); } catch (e) { strategy = e; }
      let cfg = null;
      try { Object.assign(config.defaults, defaults); } catch (e) { cfg = e; }
      config.reset();
      expect([Cls.name, params, strategy && strategy.name]).toEqual([Cls.name, params, cfg && cfg.name]);
    }
  });

  test('config.defaults names the broken rule with its own keys', () => {
    expect(() => { config.defaults.pollingAdaptiveMinInterval = 50; })
      .toThrow(/config\.defaults\.pollingAdaptiveMinInterval must be <= pollingAdaptiveInitialInterval \(10\); got 50; nothing was changed/);
    expect(() => { config.defaults.pollingAdaptiveEmptyChecks = 2 ** 32; })
      .toThrow(/pollingAdaptiveEmptyChecks must be a whole number from 1 to 4294967295; got 4294967296/);
    expect(config.defaults.pollingAdaptiveMinInterval).toBe(1);
    expect(config.defaults.pollingAdaptiveEmptyChecks).toBe(3);
  });

  test('progressive takes minInterval and maxInterval too; params reads them back', () => {
    const s = new ProgressivePollingStrategy({ minInterval: 2, maxInterval: 2000, checksPerLevel: 1 });
    const seen = [];
    for (let i = 0; i < 8; i++) { seen.push(s.nextInterval()); s.recordNoCompletion(); }
    expect(seen).toEqual([2, 10, 20, 100, 200, 1000, 2000, 2000]);
    expect(s.params).toEqual({ minInterval: 2, maxInterval: 2000, checksPerLevel: 1 });
    expect(new AdaptivePollingStrategy().params).toEqual({
      minInterval: 1, maxInterval: 100, initialInterval: 10, speedup: 0.7, slowdown: 1.3, emptyChecks: 3,
    });
  });
});

describe('custom strategies', () => {
  test('a subclass that does not override all four methods is a TypeError naming the missing ones', () => {
    class OnlyNext extends PollingStrategy { nextInterval() { return 5; } }
    expect(() => new OnlyNext()).toThrow(TypeError);
    expect(() => new OnlyNext()).toThrow(/OnlyNext.*recordCompletion, recordNoCompletion, reset/);
    class None extends PollingStrategy {}
    expect(() => new None()).toThrow(/nextInterval, recordCompletion, recordNoCompletion, reset/);
  });

  test('a full subclass is driven by the core; calling the base method from it throws instead of recursing', () => {
    const calls = [];
    class Mine extends PollingStrategy {
      nextInterval() { calls.push('next'); return 7; }
      recordCompletion() { calls.push('done'); }
      recordNoCompletion() { calls.push('empty'); }
      reset() { calls.push('reset'); }
    }
    const s = new Mine();
    expect(s.name).toBe('custom');
    expect(s.nextInterval()).toBe(7);
    class Lazy extends Mine { nextInterval() { return super.nextInterval() + PollingStrategy.prototype.nextInterval.call(this); } }
    expect(() => new Lazy().nextInterval()).toThrow(/custom strategy must implement nextInterval/);
  });
});

test('config.defaults.defaultPolling: read and written through the core, never cut short', () => {
  expect(config.defaults.defaultPolling).toBe('adaptive');
  config.defaults.defaultPolling = 'EXP';
  expect(config.defaults.defaultPolling).toBe('exponential');
  expect(() => { config.defaults.defaultPolling = 'fixed\0junk'; }).toThrow(RangeError);
  expect(() => { config.defaults.defaultPolling = 'progressive-but-longer'; }).toThrow(RangeError);
  expect(config.defaults.defaultPolling).toBe('exponential');
  config.defaults.pollingFixedInterval = 3; // another field leaves it alone
  expect(config.defaults.defaultPolling).toBe('exponential');
  config.reset();
  expect(config.defaults.defaultPolling).toBe('adaptive');
});

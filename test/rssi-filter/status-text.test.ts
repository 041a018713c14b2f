// Status texts come from the node's catalogue through RED._; where the runtime has none (RED._ gives the
// key back, as node-red-node-test-helper's does) the en-US text of locales/en-US/<node>.json is used.
import assert from 'node:assert/strict';
import { statusTexts } from '../../nodes/common/status-text';

describe('status texts from the locales', () => {
  it('uses the en-US catalogue file, with __name__ variables, when RED._ has no catalogue', () => {
    const t = statusTexts({ _: (key) => key }, 'rssi-filter');
    assert.equal(t('pairs', { count: 12 }), '12 pairs');
    assert.equal(t('pair', { count: 1 }), '1 pair');
    assert.equal(t('clockAhead', { scanner: 'pi-2', skew: '1 h' }), 'pi-2 clock 1 h ahead');
    assert.equal(
      statusTexts({ _: (key) => key }, 'influx-write')('buffering', { count: 5 }),
      'buffering 5 points',
    );
    assert.equal(t('no-such-key'), 'rssi-filter.status.no-such-key');
  });

  it("takes the runtime's translation when it has one", () => {
    const asked: string[] = [];
    const t = statusTexts(
      {
        _: (key, vars) => {
          asked.push(key);
          return `übersetzt ${String(vars?.count)}`;
        },
      },
      'trilaterate',
    );
    assert.equal(t('tracked', { count: 3 }), 'übersetzt 3');
    assert.deepEqual(asked, ['trilaterate.status.tracked']);
  });

  it('asks the runtime again only when the key or a variable changed (a node asks on every message)', () => {
    const asked: string[] = [];
    const t = statusTexts(
      {
        _: (key, vars) => {
          asked.push(`${key} ${JSON.stringify(vars)}`);
          return `${key.split('.').pop()} ${Object.values(vars ?? {}).join(' ')}`;
        },
      },
      'trilaterate',
    );
    assert.equal(t('tracked', { count: 3 }), 'tracked 3');
    assert.equal(t('tracked', { count: 3 }), 'tracked 3');
    assert.equal(asked.length, 1);
    assert.equal(t('tracked', { count: 4 }), 'tracked 4');
    assert.equal(t('trackedCalibrated', { count: 4, calibrated: 2 }), 'trackedCalibrated 4 2');
    assert.equal(t('trackedCalibrated', { count: 4 }), 'trackedCalibrated 4', 'a variable fewer');
    assert.equal(t('trackedCalibrated', { count: 4, calibrated: 3 }), 'trackedCalibrated 4 3');
    assert.equal(t('tracked', { count: 4 }), 'tracked 4');
    assert.equal(asked.length, 5);
  });
});

// The history API's parameters: a day in the node's time zone or a range, each refusal naming the parameter.
import assert from 'node:assert/strict';
import { localDay, localMidnight, readRange } from '../../nodes/dog-activity/history/params';

describe('dog-activity history parameters', () => {
  it('reads a local day in the time zone, across a DST change, and a range in ISO or ms', () => {
    assert.deepEqual(readRange({ dog: 'rex', day: '2025-11-22' }, 'Europe/Amsterdam'), {
      dog: 'rex',
      from: Date.UTC(2025, 10, 21, 23),
      to: Date.UTC(2025, 10, 22, 23),
    });
    // The day the clocks go back has 25 hours.
    const d = readRange({ dog: 'rex', day: '2025-10-26' }, 'Europe/Amsterdam');
    assert.equal(d.to - d.from, 25 * 3_600_000);
    assert.equal(localMidnight('2025-11-22', 'UTC'), Date.UTC(2025, 10, 22));
    assert.equal(localDay(Date.UTC(2025, 10, 21, 23, 30), 'Europe/Amsterdam'), '2025-11-22');
    assert.deepEqual(readRange({ dog: 'rex', from: '2025-11-22T08:00:00Z', to: '1763800000000' }, 'UTC'), {
      dog: 'rex',
      from: Date.UTC(2025, 10, 22, 8),
      to: 1763800000000,
    });
  });

  it('refuses bad parameters, naming them and quoting a short excerpt', () => {
    const refused = (q: Record<string, unknown>, dogs?: string[]): string => {
      try {
        readRange(q, 'UTC', dogs);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    assert.equal(refused({}), 'dog is required (a dog id of the site)');
    assert.equal(refused({ dog: 'fido', day: '2025-11-22' }, ['rex']), 'dog "fido" is not a dog of the site');
    assert.equal(refused({ dog: 'rex', day: 'tuesday' }), 'day must be a date YYYY-MM-DD, not "tuesday"');
    assert.equal(refused({ dog: 'rex', from: '1', to: '0' }), 'to must be after from');
    assert.equal(
      refused({ dog: 'rex', from: '0', to: String(40 * 86_400_000) }),
      'the range may span at most 31 days, not 40',
    );
    assert.equal(refused({ dog: 'rex', from: ['1', '2'], to: '3' }), 'from must be given once, as text');
    const long = refused({ dog: 'rex', from: 'x'.repeat(10_000), to: '5' });
    assert.match(long, /^from must be a time \(ISO 8601 or ms since the epoch\), not "x+/);
    assert.ok(long.length < 200, long);
    assert.equal(
      refused({ dog: 'rex', day: '2025-11-22', from: '1' }),
      'give either day or from and to, not both',
    );
  });
});

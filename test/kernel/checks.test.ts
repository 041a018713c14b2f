import assert from 'node:assert/strict';
import { payloadText } from '../../nodes/kernel/checks';
import { topics } from '../../nodes/kernel/contract';

describe('payloadText', () => {
  it('reads strings, Buffers and plain byte arrays (what mqtt in gives), and nothing else', () => {
    assert.equal(payloadText('{"v":1}'), '{"v":1}');
    assert.equal(payloadText(Buffer.from('online')), 'online');
    const bytes = new TextEncoder().encode('xx{"cmd":"stop"}').subarray(2);
    assert.equal(payloadText(bytes), '{"cmd":"stop"}');
    assert.equal(payloadText({ v: 1 }), undefined);
    assert.equal(payloadText(42), undefined);
  });
});

describe('topics', () => {
  it('puts one id in one topic level', () => {
    assert.equal(topics.zoneState('rex'), 'dogtracker/v1/zone-state/rex');
    assert.equal(topics.zoneState('a/b+#'), 'dogtracker/v1/zone-state/a_b__');
  });
});

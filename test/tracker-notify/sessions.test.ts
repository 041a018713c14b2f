import assert from 'node:assert/strict';
import { LoginThrottle, MAX_SESSIONS, SessionStore } from '../../nodes/tracker-notify/sessions';

describe('tracker-notify sessions and login brake', () => {
  it('a session is found by its token until it expires; the store keeps only a digest', () => {
    const store = new SessionStore(1000);
    const { token } = store.create('anna', 0);
    assert.equal(store.get(token, 999)?.login, 'anna');
    assert.equal(JSON.stringify(store.toJSON()).includes(token), false);
    const restored = new SessionStore(1000, store.toJSON());
    assert.equal(restored.get(token, 500)?.login, 'anna');
    assert.equal(store.get(token, 1000), undefined);
    assert.equal(store.get('forged', 0), undefined);
  });

  it('is bounded', () => {
    const store = new SessionStore(1e9);
    const first = store.create('a', 0).token;
    for (let i = 0; i < MAX_SESSIONS + 10; i++) store.create('a', 0);
    assert.equal(store.size, MAX_SESSIONS);
    assert.equal(store.get(first, 1), undefined);
  });

  it('delays failed logins per login and per address, doubling, and forgets after a success', () => {
    const t = new LoginThrottle({ baseDelayMs: 1000, maxDelayMs: 8000, forgetMs: 60000, maxEntries: 100 });
    assert.equal(t.waitMs('anna', '10.0.0.1', 0), 0);
    t.failed('anna', '10.0.0.1', 0);
    assert.equal(t.waitMs('anna', '10.0.0.1', 0), 1000);
    assert.equal(t.waitMs('anna', '10.0.0.2', 0), 1000, 'per login');
    assert.equal(t.waitMs('ben', '10.0.0.1', 0), 1000, 'per address');
    t.failed('anna', '10.0.0.1', 1000);
    assert.equal(t.waitMs('anna', '10.0.0.9', 1000), 2000);
    for (let i = 0; i < 10; i++) t.failed('anna', '10.0.0.1', 2000);
    assert.equal(t.waitMs('anna', '10.0.0.9', 2000), 8000, 'capped');
    t.succeeded('anna', '10.0.0.1');
    assert.equal(t.waitMs('anna', '10.0.0.1', 2000), 0);
    for (let i = 0; i < 500; i++) t.failed(`u${i}`, `a${i}`, 0);
    assert.ok(t.entries <= 200, 'bounded maps');
  });
});

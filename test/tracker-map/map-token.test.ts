// The map's socket tokens: expiry on an injected clock, bound to the login, the map and the process.
import assert from 'node:assert/strict';
import { credentialBinding, MapTokens } from '../../nodes/tracker-map/map-token';

describe('map tokens', () => {
  let now = 1_000_000;
  const tokens = new MapTokens({ now: () => now, ttlMs: 5 * 60 * 1000 });
  const login = credentialBinding(`Basic ${Buffer.from('family:pw').toString('base64')}`);
  const other = credentialBinding(`Basic ${Buffer.from('admin:pw').toString('base64')}`);

  it('opens its map with its login until it expires, 5 minutes after it was issued', () => {
    now = 1_000_000;
    const { token, expiresAt } = tokens.issue('/dogtracker/ws\nA', login);
    assert.equal(expiresAt, now + 300_000);
    assert.equal(tokens.check(token, '/dogtracker/ws\nA', login), undefined);
    now += 300_000;
    assert.equal(tokens.check(token, '/dogtracker/ws\nA', login), undefined);
    now += 1;
    assert.equal(tokens.check(token, '/dogtracker/ws\nA', login), 'token expired');
  });

  it('is refused with another login, none, on another map or deployment, or by another process', () => {
    now = 2_000_000;
    const { token } = tokens.issue('/dogtracker/ws\nA', login);
    assert.equal(tokens.check(token, '/dogtracker/ws\nA', other), 'token not valid here');
    assert.equal(
      tokens.check(token, '/dogtracker/ws\nA', credentialBinding(undefined)),
      'token not valid here',
    );
    assert.equal(tokens.check(token, '/dogtracker/kennel/ws\nA', login), 'token not valid here');
    assert.equal(tokens.check(token, '/dogtracker/ws\nB', login), 'token not valid here');
    assert.equal(
      new MapTokens({ now: () => now }).check(token, '/dogtracker/ws\nA', login),
      'token not valid here',
    );
  });

  it('refuses a forged expiry and malformed tokens', () => {
    now = 3_000_000;
    const { token } = tokens.issue('s', login);
    const [, mac] = token.split('.');
    assert.equal(tokens.check(`${now + 10 * 86_400_000}.${mac}`, 's', login), 'token not valid here');
    for (const bad of [null, undefined, '', 'abc', `${now}.`, `${now}.${'x'.repeat(500)}`])
      assert.equal(tokens.check(bad, 's', login), 'no token');
  });
});

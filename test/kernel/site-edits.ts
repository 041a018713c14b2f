// Site documents for the validator tests: the contract's site with one change, and the errors of one that
// must be refused.
import assert from 'node:assert/strict';
import { validateSite } from '../../nodes/kernel/site-document';
import { CONTRACT_SITE } from '../tracker-site/fixtures';

// Loosely typed on purpose: each test reaches deep into the document and writes a value of the wrong type
// (or adds or deletes a key) to break one field; no precise type allows that at every depth. The project's
// one deliberate `any`, kept here so the tests that use it need none.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

/** A copy of the contract's site, changed by `change`. */
export function site(change: (doc: Doc) => void): Doc {
  const doc = structuredClone(CONTRACT_SITE) as Doc;
  change(doc);
  return doc;
}

/** The errors of a document the validator must refuse. */
export function errorsOf(doc: unknown): string[] {
  const result = validateSite(doc);
  assert.equal(result.ok, false, 'expected the document to be refused');
  return result.ok ? [] : result.errors;
}

// Holds the current site of one tracker-site node and tells subscribers when it changes.
// Pure: the Node-RED adapter feeds it text; a text that does not validate never replaces a good site.
import { parseSite } from '../kernel/site-document';
import { SiteView } from '../kernel/site-view';

export type SiteListener = (view: SiteView) => void;

export interface SiteUpdate {
  ok: boolean;
  /** Problems of the text just given (empty when it was accepted). */
  errors: string[];
  warnings: string[];
}

export class SiteSource {
  private view: SiteView | undefined;
  private acceptedText: string | undefined;
  private errors: string[] = [];
  private readonly listeners = new Set<SiteListener>();

  get current(): SiteView | undefined {
    return this.view;
  }

  /** The text of the current site, as given. */
  get text(): string | undefined {
    return this.acceptedText;
  }

  /** Why the last text was refused, or undefined when the current site is up to date. */
  get problem(): string | undefined {
    return this.errors.length > 0 ? `invalid site: ${this.errors.join('; ')}` : undefined;
  }

  update(text: string): SiteUpdate {
    const result = parseSite(text);
    if (!result.ok) {
      this.errors = result.errors;
      return { ok: false, errors: result.errors, warnings: [] };
    }
    this.errors = [];
    this.acceptedText = text;
    this.view = new SiteView(result.site);
    for (const listener of this.listeners) listener(this.view);
    return { ok: true, errors: [], warnings: result.warnings };
  }

  /** Reports a problem that is not in the text, e.g. a file that cannot be read. */
  fail(reason: string): void {
    this.errors = [reason];
  }

  /** Calls `listener` now if a site is loaded and on every accepted change; returns the unsubscribe. */
  subscribe(listener: SiteListener): () => void {
    this.listeners.add(listener);
    if (this.view) listener(this.view);
    return () => this.listeners.delete(listener);
  }
}

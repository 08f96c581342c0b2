// Syntax highlighting tokens, built from the terminals the server reads out of the grammar
// (GET api/language): the grammar file stays the single source of truth for keywords and operators.
//
// Tokens live in typed arrays and are updated incrementally: after an edit only the text from the
// token before the change up to the first token that lines up with the old token stream again is
// scanned, so a keystroke in a 1 MB filter costs a few tokens, not the whole file.

export const KINDS = ["plain", "keyword", "logic", "operator", "symbol", "target", "string", "number", "comment", "bracket", "other"];
const KIND_ID = Object.fromEntries(KINDS.map((name, i) => [name, i]));

export class Tokenizer {
  constructor(terminals) {
    this.kindOfGroup = terminals.map((t) => KIND_ID[t.kind] ?? KIND_ID.other);
    this.kindOfGroup.push(KIND_ID.other); // the catch-all for any other character
    const source = terminals.map((t) => `(${t.pattern})`).join("|") + "|(\\S)";
    this.pattern = new RegExp(source, "gi");
  }

  // Scan text from `from`; call emit(start, end, kind) per token until emit returns false.
  scan(text, from, emit) {
    const re = this.pattern;
    re.lastIndex = from;
    const groups = this.kindOfGroup.length;
    let m;
    while ((m = re.exec(text)) !== null) {
      let kind = KIND_ID.other;
      for (let g = 1; g <= groups; g++) {
        if (m[g] !== undefined) {
          kind = this.kindOfGroup[g - 1];
          break;
        }
      }
      const start = m.index;
      let end = start + m[0].length;
      if (end === start) { // never loop on an empty match
        end = start + 1;
        re.lastIndex = end;
      }
      if (emit(start, end, kind) === false) return;
    }
  }
}

class Growable {
  constructor(capacity = 1024) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.length = 0;
  }
  push(start, end, kind) {
    if (this.length === this.starts.length) {
      const grow = (a, T) => { const b = new T(a.length * 2); b.set(a); return b; };
      this.starts = grow(this.starts, Int32Array);
      this.ends = grow(this.ends, Int32Array);
      this.kinds = grow(this.kinds, Uint8Array);
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.kinds[this.length] = kind;
    this.length++;
  }
}

// Index of the first entry of sorted `array` (first n) that is >= value.
function lowerBound(array, n, value) {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (array[mid] < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Longest common prefix / suffix, found by halving with native string comparisons (a JavaScript
// loop over a megabyte per keystroke would be most of the work).
function commonPrefix(a, b, max) {
  let lo = 0, hi = max;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.startsWith(b.slice(lo, mid), lo)) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function commonSuffix(a, b, max) {
  let lo = 0, hi = max;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.endsWith(b.slice(b.length - mid, b.length - lo), a.length - lo)) lo = mid; else hi = mid - 1;
  }
  return lo;
}

export class TokenStream {
  constructor(tokenizer) {
    this.tokenizer = tokenizer;
    this.tokens = new Growable();
    this.text = "";
    this.lastScanned = 0; // tokens scanned by the last update (for the benchmark and tests)
  }

  reset(text) {
    const out = new Growable(Math.max(1024, text.length >> 4));
    this.tokenizer.scan(text, 0, (s, e, k) => { out.push(s, e, k); });
    this.tokens = out;
    this.text = text;
    this.lastScanned = out.length;
  }

  update(text) {
    const old = this.text;
    if (old === text) return;
    const oldTokens = this.tokens;
    if (oldTokens.length === 0 || old.length === 0) { this.reset(text); return; }
    // The changed region: common prefix and suffix.
    const min = Math.min(old.length, text.length);
    const prefix = commonPrefix(old, text, min);
    const suffix = commonSuffix(old, text, min - prefix);
    const delta = text.length - old.length;
    const oldChangeEnd = old.length - suffix;
    const n = oldTokens.length;
    if (this.insideString(old, text, prefix, oldChangeEnd, text.length - suffix, delta)) return;
    // Keep the tokens that end before the change, minus one (an edit can extend the token before it).
    let first = lowerBound(oldTokens.ends, n, prefix);
    first = Math.max(0, first - 1);
    // A quote or `/*` that found no end is lexed as a lone character, and the edit may give it
    // one: scanning must restart there (there is at most one such quote: the last of the text).
    const other = KIND_ID.other;
    for (let i = first - 1; i >= 0; i--) {
      if (oldTokens.kinds[i] === other) {
        const c = old.charCodeAt(oldTokens.starts[i]);
        if (c === 34 || c === 47) first = i;
      }
    }
    const from = first < n ? Math.min(oldTokens.starts[first], prefix) : prefix;
    const out = new Growable(Math.max(1024, n + 16));
    out.starts.set(oldTokens.starts.subarray(0, first));
    out.ends.set(oldTokens.ends.subarray(0, first));
    out.kinds.set(oldTokens.kinds.subarray(0, first));
    out.length = first;
    let resume = -1; // index of the old token where the streams line up again
    let scanned = 0;
    this.tokenizer.scan(text, from, (s, e, k) => {
      const oldStart = s - delta;
      if (s >= prefix && oldStart >= oldChangeEnd) {
        const j = lowerBound(oldTokens.starts, n, oldStart);
        if (j < n && oldTokens.starts[j] === oldStart && oldTokens.ends[j] === e - delta && oldTokens.kinds[j] === k) {
          resume = j;
          return false;
        }
      }
      out.push(s, e, k);
      scanned++;
      return true;
    });
    if (resume >= 0) {
      for (let j = resume; j < n; j++) out.push(oldTokens.starts[j] + delta, oldTokens.ends[j] + delta, oldTokens.kinds[j]);
    }
    this.tokens = out;
    this.text = text;
    this.lastScanned = scanned;
  }

  // An edit strictly inside a string that adds or removes no quote or backslash only makes that
  // string longer or shorter: shift the tokens after it instead of scanning the string again
  // (the keyword list of a 1 MB filter is one string of a megabyte).
  insideString(old, text, start, oldEnd, newEnd, delta) {
    const t = this.tokens;
    const i = lowerBound(t.ends, t.length, oldEnd + 1);
    if (i >= t.length || KINDS[t.kinds[i]] !== "string" || !(t.starts[i] < start && oldEnd < t.ends[i] - 1)) return false;
    if (start > 0 && old.charCodeAt(start - 1) === 92) return false; // after a backslash
    const plain = (s) => s.indexOf('"') < 0 && s.indexOf("\\") < 0;
    if (!plain(old.slice(start, oldEnd)) || !plain(text.slice(start, newEnd))) return false;
    t.ends[i] += delta;
    for (let j = i + 1; j < t.length; j++) {
      t.starts[j] += delta;
      t.ends[j] += delta;
    }
    this.text = text;
    this.lastScanned = 0;
    return true;
  }

  // Index of the first token ending after `offset`.
  firstEndingAfter(offset) {
    return lowerBound(this.tokens.ends, this.tokens.length, offset + 1);
  }

  // The token immediately before `offset` (ending at or before it), or -1.
  before(offset) {
    const t = this.tokens;
    let i = lowerBound(t.ends, t.length, offset + 1) - 1;
    while (i >= 0 && t.ends[i] > offset) i--;
    return i;
  }
}

/* The handbook's search, behind Material's search box, over the static index that
 * handbook/site/search.py writes into <site>/search/.
 *
 * The index maps every character and every pair of adjacent characters of each essay's text, all
 * normalised per character (Traditional to Simplified, full-width to half-width, lower case), to
 * the sorted list of essays holding it, each with a weight (mentions in the body, in the title?
 * in a heading?), in shards fetched on demand; a pair's positions in each essay are in files of
 * their own, fetched only when a query needs them.
 *
 * A query is normalised the same way and split into terms; every term is required. A term of one
 * or two characters is answered by its key's list. A longer term is found where the pairs covering
 * it stand at the right distances from each other, so its essays, and the count shown, are exact
 * without fetching any essay's text. Essays are ranked by a BM25 score with field weights (title,
 * headings, body), essays holding a query of several words as typed or its words close together
 * first; ties in catalogue order. Only the shown essays' texts are fetched, for the passage.
 * An essay opened from a result marks the query's words and scrolls to the passage shown (?h=, &n=).
 * Everything from the index is put into the page as text nodes, never as HTML.
 */
(function () {
  "use strict";
  var configNode = document.getElementById("hb-search-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var labels = config.labels || {};
  var root = new URL(String(config.base || ".").replace(/\/?$/, "/"), location.href);
  var toggle = document.getElementById("__search");
  var form = document.querySelector("[data-hb-search-form]");
  var input = document.querySelector("[data-hb-search-input]");
  var meta = document.querySelector("[data-hb-search-meta]");
  var list = document.querySelector("[data-hb-search-list]");
  var more = document.querySelector("[data-hb-search-more]");
  if (!toggle || !form || !input || !meta || !list) return;

  var PAGE = 10, DEBOUNCE_MS = 60, CONTEXT_BEFORE = 30, CONTEXT_AFTER = 70;
  var BODY = 0, HEADING = 1, TITLE = 2;  // fields of a position, as search.py writes them
  var engine = null, state = null, generation = 0, lastRun = 0;

  /* At most one search every DEBOUNCE_MS while the reader types: the first at once, the next
   * one when the interval is over (a newer query supersedes a waiting one). */
  function pause() {
    var now = Date.now(), delay = Math.max(0, lastRun + DEBOUNCE_MS - now);
    lastRun = now + delay;
    return delay ? new Promise(function (resolve) { setTimeout(resolve, delay); }) : Promise.resolve();
  }
  function say(text) { meta.textContent = text; }
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function get(path, kind) {
    return fetch(new URL("search/" + path, root).href).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return kind === "json" ? r.json() : r.arrayBuffer();
    });
  }

  function load() {
    if (!engine) {
      engine = get("meta.json", "json").then(function (m) {
        return { pages: m.pages, slots: m.slots || m.pages, shards: m.shards, charmap: m.charmap, rank: m.ranking, lengths: null, order: null,
                 shardCache: {}, fileCache: {}, pageCache: {} };
      });
      engine.catch(function () { engine = null; });
    }
    return engine;
  }

  function cached(cache, key, make) {
    if (!cache[key]) {
      cache[key] = make();
      cache[key].catch(function () { delete cache[key]; });
    }
    return cache[key];
  }

  /* FNV-1a (32 bits) over the key's code points, as search.py's shard_of. */
  function shardOf(key, shards) {
    var h = 0x811c9dc5;
    for (var ch of key) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
    return h & (shards - 1);
  }

  /* A shard: u32 header length, JSON header {key: [kind, count, offset, length(, positions file,
   * offset, length)]}, the lists. */
  function shard(eng, n) {
    return cached(eng.shardCache, n, function () {
      return get("k/" + n + ".bin", "bin").then(function (buffer) {
        var size = new DataView(buffer).getUint32(0, true);
        var header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
        return { header: header, data: new Uint8Array(buffer, 4 + size) };
      });
    });
  }

  /* A reader of LEB128 varints. */
  function reader(bytes, at) {
    return {
      at: at || 0,
      next: function () {
        var value = 0, scale = 1, b;
        do { b = bytes[this.at++]; value += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80);
        return value;
      }
    };
  }

  /* The essays holding `key`, in order, each with its weight: {ids, weights, where}, or null. */
  function postings(eng, key) {
    return shard(eng, shardOf(key, eng.shards)).then(function (s) {
      var entry = s.header[key];
      if (!entry) return null;
      var bytes = s.data.subarray(entry[2], entry[2] + entry[3]);
      var count = entry[1], ids = new Int32Array(count), weights = new Uint32Array(count), k = 0, r;
      if (entry[0] === 1) {
        var size = (eng.slots + 7) >> 3;
        for (var i = 0; i < size; i++) {
          for (var b = bytes[i], bit = 0; b; bit++, b >>= 1) if (b & 1) ids[k++] = i * 8 + bit;
        }
        r = reader(bytes, size);
        for (var j = 0; j < count; j++) weights[j] = r.next();
      } else {
        r = reader(bytes, 0);
        for (var prev = -1; k < count; k++) { prev += r.next(); ids[k] = prev; weights[k] = r.next(); }
      }
      return { ids: ids, weights: weights, where: entry.length > 4 ? entry.slice(4) : null };
    });
  }

  /* The positions of a pair in the essays `wanted` (sorted): {essay: {at: [...], field: [...]}}. */
  function positions(eng, post, wanted) {
    var w = post.where;
    return cached(eng.fileCache, w[0], function () { return get("x/" + w[0] + ".bin", "bin"); }).then(function (buffer) {
      var bytes = new Uint8Array(buffer, w[1], w[2]), r = reader(bytes, 0), out = {}, j = 0;
      for (var i = 0; i < post.ids.length; i++) {
        var size = r.next(), end = r.at + size, id = post.ids[i];
        while (j < wanted.length && wanted[j] < id) j++;
        if (j < wanted.length && wanted[j] === id) {
          var at = [], field = [], p = -1;
          while (r.at < end) { var v = r.next(), f = v % 4; p += (v - f) / 4; at.push(p); field.push(f); }
          out[id] = { at: at, field: field };
        }
        r.at = end;
      }
      return out;
    });
  }

  function find(ids, id) {
    var lo = 0, hi = ids.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (ids[mid] === id) return mid;
      if (ids[mid] < id) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  /* The essays in every one of the (sorted) lists. */
  function intersect(lists) {
    lists = lists.slice().sort(function (a, b) { return a.length - b.length; });
    var result = Array.from(lists[0]);
    for (var l = 1; l < lists.length && result.length; l++) {
      var other = lists[l];
      result = result.filter(function (id) { return find(other, id) >= 0; });
    }
    return result;
  }

  /* The pairs covering a term of three or more characters: at offsets 0, 2, 4, … and the last. */
  function termKeys(chars) {
    if (chars.length <= 2) return [{ key: chars.join(""), offset: 0 }];
    var keys = [];
    for (var i = 0; i + 1 < chars.length; i += 2) keys.push({ key: chars[i] + chars[i + 1], offset: i });
    if (chars.length % 2) keys.push({ key: chars[chars.length - 2] + chars[chars.length - 1], offset: chars.length - 2 });
    return keys;
  }

  /* One character in, one character of the same UTF-16 length out, so offsets carry over. */
  function normalize(text, charmap) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text[i], code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) { c = text.slice(i, i + 2); i++; }
      var n = charmap[c];
      if (n === undefined) {
        n = c.normalize("NFKC").toLowerCase();
        if (Array.from(n).length !== 1) n = c;
        charmap[c] = n;  // NFKC is slow and an essay repeats its characters: fold each one once
      }
      out += n.length === c.length ? n : c;
    }
    return out;
  }

  function terms(query, charmap) {
    var seen = {};
    return normalize(query, charmap).split(/[\s\p{P}\p{S}\p{Z}]+/u).filter(function (t) {
      if (!t || seen[t]) return false;
      seen[t] = true;
      return true;
    });
  }

  /* Where a term of three or more characters stands in one essay: the positions of its first pair
   * at which every other covering pair stands at its offset. */
  function occurrences(parts, found) {
    var first = found[0], at = [], field = [], next = found.map(function () { return 0; });
    for (var i = 0; i < first.at.length; i++) {  // every list is sorted: one pointer each, moving forward
      var p = first.at[i], ok = true;
      for (var k = 1; k < parts.length && ok; k++) {
        var list = found[k].at, want = p + parts[k].offset;
        while (next[k] < list.length && list[next[k]] < want) next[k]++;
        ok = list[next[k]] === want;
      }
      if (ok) { at.push(p); field.push(first.field[i]); }
    }
    return { at: at, field: field };
  }

  /* Where the terms with positions follow each other as typed (at most one character between
   * one and the next, all in one field): the chains' starts and fields. */
  function chains(lists, lengths) {
    var first = lists[0], at = [], field = [];
    for (var a = 0; a < first.at.length; a++) {
      var end = first.at[a] + lengths[0], ok = true;
      for (var t = 1; t < lists.length && ok; t++) {
        var l = lists[t], i = 0;
        while (i < l.at.length && l.at[i] < end) i++;
        ok = i < l.at.length && l.at[i] - end <= 1 && l.field[i] === first.field[a];
        if (ok) end = l.at[i] + lengths[t];
      }
      if (ok) { at.push(first.at[a]); field.push(first.field[a]); }
    }
    return { at: at, field: field };
  }

  /* Whether all the terms with positions lie within `near` characters of each other somewhere. */
  function close(lists, lengths, near) {
    var n = lists.length, total = lengths.reduce(function (a, b) { return a + b; }, 0);
    var all = [];
    lists.forEach(function (l, t) { l.at.forEach(function (p) { all.push([p, t]); }); });
    all.sort(function (x, y) { return x[0] - y[0]; });
    var longest = Math.max.apply(null, lengths), seen = new Array(n).fill(0), covered = 0, lo = 0;
    for (var hi = 0; hi < all.length; hi++) {
      if (seen[all[hi][1]]++ === 0) covered++;
      while (covered === n) {
        if (all[hi][0] + longest - all[lo][0] - total <= near) return true;
        if (--seen[all[lo][1]] === 0) covered--;
        lo++;
      }
    }
    return false;
  }

  /* Where the pairs joining the words of a query (their lists `joins`; null when an essay holds
   * none of them) all stand in one essay, as chains() gives it: a field each, the body's count the
   * smallest of theirs; or null. */
  function joined(joins, id) {
    if (!joins || !joins.length) return null;
    var title = true, heading = true, body = Infinity;
    for (var j = 0; j < joins.length; j++) {
      var i = find(joins[j].ids, id);
      if (i < 0) return null;
      var w = joins[j].weights[i];
      title = title && (w & 2) !== 0;
      heading = heading && (w & 1) !== 0;
      body = Math.min(body, Math.floor(w / 4));
    }
    var field = [];
    if (title) field.push(TITLE);
    if (heading) field.push(HEADING);
    for (var n = 0; n < body; n++) field.push(BODY);
    return { at: field.map(function () { return 0; }), field: field };
  }

  /* A term's (or a chain's) weight in one essay, from where it stands. */
  function fields(occ) {
    return { title: occ.field.indexOf(TITLE) >= 0, heading: occ.field.indexOf(HEADING) >= 0,
             body: occ.field.filter(function (f) { return f === BODY; }).length };
  }

  /* Every essay holding every term, ranked: [{id, score, near}]. */
  function rank(eng, words) {
    var parts = words.map(function (w) { return termKeys(Array.from(w)); });
    var keys = {};
    parts.forEach(function (p) { p.forEach(function (k) { keys[k.key] = true; }); });
    var names = Object.keys(keys);
    // the essays' lengths and places in the catalogue, for the ranking: fetched with the first query's lists
    var lengths = cached(eng.fileCache, "lengths", function () { return get("lengths.bin", "bin"); });
    var order = cached(eng.fileCache, "order", function () { return get("order.bin", "bin"); });
    return Promise.all(names.map(function (k) { return postings(eng, k); }).concat([lengths, order])).then(function (got) {
      eng.order = new DataView(got.pop());
      eng.lengths = new Uint8Array(got.pop());
      var post = {};
      names.forEach(function (k, i) { post[k] = got[i]; });
      if (got.some(function (p) { return !p; })) return { ranked: [], unsure: false };
      var candidates = intersect(names.map(function (k) { return post[k].ids; }));
      // Positions: to find terms of three or more characters, and to see how near several terms
      // stand; a two-character term's positions serve the latter only, and are left out when
      // they would cost more than near_max_kb (the term is then weighed but not placed).
      // A longer word whose pairs' positions would cost more than positions_max_kb is not
      // looked for in them: its essays are checked against their texts as they are shown.
      var needs = {}, pairs = {}, pairBytes = 0, longBytes = 0;
      parts.forEach(function (p, t) {
        if (Array.from(words[t]).length >= 3) p.forEach(function (k) { longBytes += post[k.key].where[2]; });
      });
      var unsure = longBytes > eng.rank.positions_max_kb * 1024;
      parts.forEach(function (p, t) {
        var long = Array.from(words[t]).length;
        if (long >= 3) { if (!unsure) p.forEach(function (k) { needs[k.key] = true; }); }
        else if (long === 2 && !pairs[p[0].key]) { pairs[p[0].key] = true; pairBytes += post[p[0].key].where[2]; }
      });
      var longer = unsure ? 0 : parts.filter(function (p, t) { return Array.from(words[t]).length >= 3; }).length;
      if (longer + Object.keys(pairs).length >= 2 && pairBytes <= eng.rank.near_max_kb * 1024) {
        Object.keys(pairs).forEach(function (k) { needs[k] = true; });
      }
      var needed = Object.keys(needs);
      // Words not placed by positions: an essay holding the pairs that join each word to the next
      // (间服 of 夜间 服务) is taken to hold them as typed.
      var placedWords = longer + (needs[Object.keys(pairs)[0]] ? Object.keys(pairs).length : 0);
      var joins = words.length >= 2 && placedWords < words.length ? words.slice(1).map(function (w, t) {
        var before = Array.from(words[t]);
        return before[before.length - 1] + Array.from(w)[0];
      }) : [];
      return Promise.all(needed.map(function (k) { return positions(eng, post[k], candidates); })
        .concat(joins.map(function (k) { return postings(eng, k); }))).then(function (found) {
        var where = {};
        needed.forEach(function (k, i) { where[k] = found[i]; });
        var joined = found.slice(needed.length);
        var ranked = score(eng, words, parts, post, where, candidates, joined.every(Boolean) ? joined : joins.length ? null : [], unsure);
        return { ranked: ranked, unsure: unsure };
      });
    });
  }

  /* BM25 with field weights, summed over the terms; for a query of several words, the words as
   * typed count as one more term (its rarity from the essays holding it so), and essays holding
   * them as typed come first, then those holding them close together. */
  function score(eng, words, parts, post, where, candidates, joins, unsure) {
    // handbook.yml's search: (search.py writes it into meta.json with every default filled in)
    var rk = eng.rank, k1 = rk.k1, b = rk.b, tw = rk.title_weight, hw = rk.heading_weight, near = rk.near_chars;
    function idf(df) { return Math.log(1 + (eng.pages - df + 0.5) / (df + 0.5)); }
    function weight(f, norm) { return tw * f.title + hw * f.heading + f.body * (k1 + 1) / (f.body + norm); }
    var rarity = parts.map(function (p) {
      return idf(Math.min.apply(null, p.map(function (k) { return post[k.key].ids.length; })));
    });
    var found = [];
    candidates.forEach(function (id) {
      var stats = [], lists = [], lengths = [];
      for (var t = 0; t < words.length; t++) {
        var p = parts[t], occ = null;
        if (Array.from(words[t]).length >= 3 && unsure) {  // not looked for: its pairs' weights
          var ws = p.map(function (k) { var q = post[k.key]; return q.weights[find(q.ids, id)]; });
          stats.push({ title: ws.every(function (w) { return w & 2; }), heading: ws.every(function (w) { return w & 1; }),
                       body: Math.min.apply(null, ws.map(function (w) { return Math.floor(w / 4); })) });
        } else if (Array.from(words[t]).length >= 3) {
          occ = occurrences(p, p.map(function (k) { return where[k.key][id]; }));
          if (!occ.at.length) return;  // the pairs are there, the term is not
          stats.push(fields(occ));
        } else {
          var post1 = post[p[0].key], w = post1.weights[find(post1.ids, id)];
          stats.push({ title: (w & 2) !== 0, heading: (w & 1) !== 0, body: Math.floor(w / 4) });
          if (where[p[0].key]) occ = where[p[0].key][id];
        }
        if (occ) { lists.push(occ); lengths.push(Array.from(words[t]).length); }
      }
      var typed = lists.length >= 2 ? chains(lists, lengths) : joined(joins, id);
      found.push({ id: id, stats: stats, typed: typed && typed.at.length ? fields(typed) : null,
                   near: typed && typed.at.length ? 2 : lists.length >= 2 && close(lists, lengths, near) ? 1 : 0 });
    });
    var phrase = idf(found.filter(function (f) { return f.typed; }).length);
    var results = found.map(function (f) {
      var ratio = Math.pow(2, (eng.lengths[f.id] - 128) / 16), norm = k1 * (1 - b + b * ratio), total = 0;
      f.stats.forEach(function (s, t) { total += rarity[t] * weight(s, norm); });
      if (f.typed) total += phrase * weight(f.typed, norm);
      return { id: f.id, score: total, near: f.near };
    });
    function place(id) { return eng.order.getUint32(id * 4, true); }
    results.sort(function (x, y) { return y.near - x.near || y.score - x.score || place(x.id) - place(y.id); });
    return results;
  }

  function pageData(eng, n) {
    return cached(eng.pageCache, n, function () { return get("p/" + n + ".json", "json"); });
  }

  /* The terms' occurrences in a normalised text, left to right, never overlapping: at each
   * step the earliest, the longest of those starting together (as the essay page marks them). */
  function marks(norm, words, from, to) {
    var found = [], i = from || 0, end = to === undefined ? norm.length : to;
    while (i < end) {
      var next = -1, len = 0, which = -1;
      words.forEach(function (t, w) {
        var at = norm.indexOf(t, i);
        if (at >= 0 && at < end && (next < 0 || at < next || (at === next && t.length > len))) { next = at; len = t.length; which = w; }
      });
      if (next < 0) break;
      found.push({ at: next, len: len, term: which });
      i = next + len;
    }
    return found;
  }

  /* The passage to show: where all terms stand closest together, outside the title if they can. */
  function passage(found, words, titleEnd) {
    var body = found.filter(function (m) { return m.at >= titleEnd; });
    var pool = body.length ? body : found, best = 0, bestSpan = Infinity;
    if (words.length > 1) {
      for (var i = 0; i < pool.length; i++) {
        var seen = {}, count = 0;
        for (var j = i; j < pool.length && count < words.length; j++) {
          if (!seen[pool[j].term]) { seen[pool[j].term] = true; count++; }
          if (count === words.length && pool[j].at - pool[i].at < bestSpan) { bestSpan = pool[j].at - pool[i].at; best = i; }
        }
      }
    }
    return found.indexOf(pool[best]);
  }

  function hitOf(eng, result, words) {
    return pageData(eng, result.id).then(function (data) {
      var text = String(data.x || ""), norm = normalize(text, eng.charmap);
      var title = normalize(String(data.t || ""), eng.charmap);
      var found = marks(norm, words);
      var k = found.length ? passage(found, words, norm.indexOf(title) === 0 ? title.length : 0) : -1;
      return { data: data, text: text, found: found, k: k,
               holds: words.every(function (w) { return norm.indexOf(w) >= 0; }) };
    });
  }

  function excerpt(hit) {
    var p = document.createElement("p");
    p.className = "hb-search-result__passage";
    if (hit.k < 0) { p.textContent = hit.text.slice(0, CONTEXT_AFTER); return p; }
    var anchor = hit.found[hit.k];
    var start = Math.max(0, anchor.at - CONTEXT_BEFORE);
    var end = Math.min(hit.text.length, anchor.at + anchor.len + CONTEXT_AFTER);
    if (start > 0) p.appendChild(document.createTextNode("…"));
    var i = start;
    hit.found.forEach(function (m) {
      if (m.at < start || m.at + m.len > end) return;
      if (m.at > i) p.appendChild(document.createTextNode(hit.text.slice(i, m.at)));
      var mark = document.createElement("mark");
      mark.textContent = hit.text.slice(m.at, m.at + m.len);
      p.appendChild(mark);
      i = m.at + m.len;
    });
    if (i < end) p.appendChild(document.createTextNode(hit.text.slice(i, end)));
    if (end < hit.text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  function render(hit, words) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var a = document.createElement("a");
    var url = new URL(hit.data.u, root);
    // The essay marks the words and scrolls to the k-th of them, the passage shown here.
    url.search = "?h=" + encodeURIComponent(words.join(" ")) + (hit.k > 0 ? "&n=" + hit.k : "");
    a.href = url.href;
    a.className = "md-search-result__link";
    a.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    var h = document.createElement("h1");
    h.textContent = hit.data.t || hit.data.u;
    article.appendChild(icon);
    article.appendChild(h);
    if (hit.data.c) {
      var chapter = document.createElement("p");
      chapter.className = "hb-search-result__chapter";
      chapter.textContent = hit.data.c;
      article.appendChild(chapter);
    }
    article.appendChild(excerpt(hit));
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  /* The next `want` ranked essays, their texts fetched together, shown in rank order; when the
   * ranking is unsure, only those whose text holds every word, checking on until `want` are. */
  function fillPage(run, want) {
    var batch = run.ranked.slice(run.next, run.next + want);
    run.next += batch.length;
    return Promise.all(batch.map(function (r) { return hitOf(run.engine, r, run.terms); })).then(function (hits) {
      if (run.id !== generation) return;
      var shown = 0;
      hits.forEach(function (hit) {
        if (!hit.holds) { run.rejected++; return; }
        list.appendChild(render(hit, run.terms));
        shown++;
      });
      if (run.unsure && shown < want && run.next < run.ranked.length) return fillPage(run, want - shown);
    });
  }

  /* The count: exact, or, while some essays that may hold the query are not checked yet, the
   * essays found so far and how many more may hold it, in words. */
  function summary(run) {
    var found = run.ranked.length - run.rejected;
    if (!found) say(fill(labels.search_none, { q: run.query }));
    else if (run.unsure && run.next < run.ranked.length) say(fill(labels.search_count_unsure, { n: run.next - run.rejected, m: run.ranked.length - run.next }));
    else say(fill(labels.search_count, { n: found }));
    if (more) more.hidden = run.next >= run.ranked.length;
  }

  function search(query) {
    var id = ++generation;
    list.textContent = "";
    if (more) more.hidden = true;
    query = query.trim();
    if (!query) { say(labels.search_hint || ""); return Promise.resolve(); }
    say(labels.search_loading || "");
    return load().then(function (eng) {
      var words = terms(query, eng.charmap);
      if (!words.length) { if (id === generation) say(fill(labels.search_none, { q: query })); return; }
      return pause().then(function () {
        if (id !== generation) return;  // superseded by a newer query
        return rank(eng, words).then(function (got) {
          if (id !== generation) return;
          var run = { id: id, query: query, terms: words, engine: eng, ranked: got.ranked, unsure: got.unsure, next: 0, rejected: 0 };
          state = run;
          return fillPage(run, PAGE).then(function () { if (id === generation) summary(run); });
        });
      });
    }).catch(function (error) {
      if (id === generation) say(labels.search_error || "search failed");
      if (window.console) console.warn("handbook search:", error);
    });
  }

  function open() {
    if (!toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); }
  }

  /* Up and down move through the results (from the box to the first, from the first back to the
   * box); Enter opens the result in focus, or the first from the box; Escape closes the search. */
  function move(step) {
    var links = Array.from(list.querySelectorAll("a.md-search-result__link"));
    var at = links.indexOf(document.activeElement), next = at + step;
    if (next < 0 || !links.length) { input.focus(); return; }
    links[Math.min(next, links.length - 1)].focus();
  }

  input.addEventListener("input", function () { search(input.value); });
  input.addEventListener("focus", function () { open(); load(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var first = list.querySelector("a");
    if (first) location.href = first.href;
  });
  form.addEventListener("reset", function () { setTimeout(function () { search(""); input.focus(); }, 0); });
  if (more) more.addEventListener("click", function () {
    if (state) fillPage(state, PAGE).then(function () { summary(state); });
  });
  toggle.addEventListener("change", function () { if (toggle.checked) setTimeout(function () { input.focus(); }, 50); });
  document.addEventListener("keydown", function (e) {
    var typing = /^(input|textarea|select)$/i.test((e.target && e.target.tagName) || "") || (e.target && e.target.isContentEditable);
    if (!typing && !toggle.checked && (e.key === "/" || e.key === "s" || e.key === "f") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault(); open(); input.focus();
    } else if (toggle.checked && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault(); move(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Escape" && toggle.checked) {
      toggle.checked = false; toggle.dispatchEvent(new Event("change")); input.blur();
    }
  });

  /* On an essay opened from a result: mark the words of ?h= and scroll to the n-th mark. */
  function markPassage(query, n) {
    var body = document.querySelector("[data-hb-search-body]");
    if (!body) return Promise.resolve();
    return load().then(function (eng) {
      var words = terms(query, eng.charmap), nodes = [], count = 0, target = null;
      if (!words.length) return;
      var walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT, { acceptNode: function (node) {
        return node.parentElement.closest("[data-hb-search-ignore], .headerlink, script, style") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      } });
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        var text = node.data, found = marks(normalize(text, eng.charmap), words);
        if (!found.length) return;
        var frag = document.createDocumentFragment(), i = 0;
        found.forEach(function (m) {
          if (m.at > i) frag.appendChild(document.createTextNode(text.slice(i, m.at)));
          var mark = document.createElement("mark");
          mark.className = "hb-hit";
          mark.textContent = text.slice(m.at, m.at + m.len);
          if (count++ === n) { mark.classList.add("hb-hit--current"); target = mark; }
          frag.appendChild(mark);
          i = m.at + m.len;
        });
        if (i < text.length) frag.appendChild(document.createTextNode(text.slice(i)));
        node.parentNode.replaceChild(frag, node);
      });
      target = target || body.querySelector("mark.hb-hit");
      if (target) target.scrollIntoView({ block: "center" });
    }).catch(function (error) { if (window.console) console.warn("handbook search:", error); });
  }

  var params = new URLSearchParams(location.search);
  // ?q=… opens the search with that query, so a search can be shared or bookmarked.
  var q = params.get("q");
  if (q) { input.value = q; open(); search(q); }
  var marked = params.get("h") ? markPassage(params.get("h"), parseInt(params.get("n") || "0", 10) || 0) : Promise.resolve();
  window.handbookSearch = { search: search, marked: marked,
                            normalize: function (t) { return load().then(function (e) { return normalize(t, e.charmap); }); } };
})();
